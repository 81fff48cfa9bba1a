/** The acceptance page's stylesheet (served at /acceptance/assets/page.css): phone first, no web fonts. */
export const PAGE_CSS = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP","IPAGothic","Noto Sans CJK SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;color:#1b1b1b;background:#f3f3f3;overflow-wrap:anywhere}
header{background:#0f4c81;color:#fff;padding:.75rem 1rem}
header p{margin:0;font-weight:600}
main{max-width:44rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.card>h2:first-child{margin-top:0}
.card{background:#fff;border:1px solid #d0d0d0;border-radius:6px;padding:1rem;margin:0 0 1rem}
dl{display:grid;grid-template-columns:minmax(0,1fr);gap:.25rem;margin:0}
dt{font-weight:600;color:#404040}
dd{margin:0 0 .5rem}
@media (min-width:40rem){dl{grid-template-columns:12rem minmax(0,1fr)}dd{margin:0}}
a{color:#0f4c81;text-decoration-thickness:2px}
a:focus,input:focus,button:focus{outline:3px solid #ffbf47;outline-offset:2px}
.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin:0 0 .25rem}
.hint{color:#505050;margin:0 0 1rem}
input[type=text],input[type=email]{display:block;width:100%;max-width:28rem;font:inherit;padding:.5rem;border:2px solid #505050;border-radius:4px;background:#fff;color:inherit}
.check{display:flex;gap:.75rem;align-items:flex-start}
.check input{width:1.5rem;height:1.5rem;margin:.1rem 0 0;flex:none}
.check label{font-weight:400}
button{font:inherit;font-weight:600;color:#fff;background:#107c10;border:0;border-radius:4px;padding:.75rem 1.25rem;min-height:44px;cursor:pointer;width:100%;max-width:28rem}
button:hover{background:#0b5a0b}
.error-summary{border:3px solid #a4262c;background:#fff;padding:1rem;margin:0 0 1rem}
.error-summary h2{margin-top:0;color:#a4262c}
.error{color:#a4262c;font-weight:600;margin:0 0 .25rem}
.invalid input[type=text],.invalid input[type=email]{border-color:#a4262c}
.status{border-left:6px solid #107c10;padding-left:1rem}
.status.gone{border-left-color:#a4262c}
footer{max-width:44rem;margin:0 auto;padding:0 1rem 2rem;color:#505050;font-size:.875rem}
`;
