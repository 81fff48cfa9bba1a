/*
 * The acceptance page's words (E-02) in English, Japanese and Simplified Chinese. A language the page
 * does not have falls back to English. Placeholders are {name}; values are escaped by the renderer.
 */

export type PageLanguage = 'en' | 'ja' | 'zh';

export interface PageMessages {
  htmlLang: string;
  title: string;
  agreementName: string;
  intro: string;
  company: string;
  signatory: string;
  template: string;
  document: string;
  documentLinkText: string;
  meaning: string;
  expires: string;
  formHeading: string;
  firstName: string;
  lastName: string;
  email: string;
  emailHint: string;
  acceptLabel: string;
  submit: string;
  errorSummary: string;
  errors: Record<'Required' | 'DoesNotMatch' | 'MustAccept' | 'Invalid', string>;
  confirmedHeading: string;
  confirmedBody: string;
  alreadyHeading: string;
  alreadyBody: string;
  acceptedAt: string;
  acceptedBy: string;
  closeHint: string;
  expiredHeading: string;
  expiredBody: string;
  cancelledHeading: string;
  cancelledBody: string;
  unknownHeading: string;
  unknownBody: string;
  forbiddenHeading: string;
  forbiddenBody: string;
  reload: string;
  notice: string;
}

const en: PageMessages = {
  htmlLang: 'en',
  title: 'Accept the Microsoft Customer Agreement',
  agreementName: 'Microsoft Customer Agreement',
  intro: '{company} is asked to accept the Microsoft Customer Agreement. Please review it before you accept.',
  company: 'Company',
  signatory: 'Signatory',
  template: 'Agreement version',
  document: 'Agreement document',
  documentLinkText: 'Read the Microsoft Customer Agreement',
  meaning:
    'By accepting, you confirm that you are authorised to act for {company} and that {company} accepts the Microsoft Customer Agreement linked above. Your partner may then create the agreement for {company} from this acceptance. The time, your network address and browser, and the names and email you type are recorded as evidence.',
  expires: 'This link expires at {time} (UTC).',
  formHeading: 'Confirm and accept',
  firstName: 'First name',
  lastName: 'Last name',
  email: 'Email',
  emailHint: 'The name and email of the signatory this page was opened for.',
  acceptLabel: 'I accept the Microsoft Customer Agreement on behalf of {company}.',
  submit: 'Accept the agreement',
  errorSummary: 'There is a problem',
  errors: {
    Required: 'Enter your {field}.',
    DoesNotMatch: 'The {field} is not the one this page was opened for.',
    MustAccept: 'Tick the box to accept the agreement.',
    Invalid: 'Check your {field}.',
  },
  confirmedHeading: 'Thank you: the agreement is accepted',
  confirmedBody: '{company} has accepted the Microsoft Customer Agreement. Your partner can now complete it.',
  alreadyHeading: 'This agreement has already been accepted',
  alreadyBody: 'Nothing more is needed. The acceptance recorded for {company}:',
  acceptedAt: 'Accepted at (UTC)',
  acceptedBy: 'Accepted by',
  closeHint: 'You can close this page.',
  expiredHeading: 'This link has expired',
  expiredBody: 'Nothing was recorded. Ask your partner for a new link.',
  cancelledHeading: 'This link has been cancelled',
  cancelledBody: 'Nothing was recorded. Ask your partner for a new link.',
  unknownHeading: 'This link is not valid',
  unknownBody: 'Check that you opened the whole link you were given, or ask your partner for a new one.',
  forbiddenHeading: 'Your form could not be checked',
  forbiddenBody: 'Nothing was recorded. Open the link again and accept from the fresh page.',
  reload: 'Open the page again',
  notice: 'This page never sends your details to anyone.',
};

const ja: PageMessages = {
  htmlLang: 'ja',
  title: 'マイクロソフト顧客契約への同意',
  agreementName: 'マイクロソフト顧客契約 (Microsoft Customer Agreement)',
  intro:
    '{company} に対し、マイクロソフト顧客契約への同意が求められています。同意する前に内容をご確認ください。',
  company: '会社名',
  signatory: '署名者',
  template: '契約のバージョン',
  document: '契約書',
  documentLinkText: 'マイクロソフト顧客契約を読む',
  meaning:
    '同意することにより、あなたが {company} を代表する権限を持ち、{company} が上記リンクのマイクロソフト顧客契約に同意することを確認します。パートナーはこの同意に基づいて {company} の契約を作成できます。日時、ネットワークアドレスとブラウザー、入力された氏名とメールアドレスが証跡として記録されます。',
  expires: 'このリンクの有効期限: {time} (UTC)',
  formHeading: '確認して同意する',
  firstName: '名',
  lastName: '姓',
  email: 'メールアドレス',
  emailHint: 'このページの対象となる署名者の氏名とメールアドレスを入力してください。',
  acceptLabel: '{company} を代表してマイクロソフト顧客契約に同意します。',
  submit: '契約に同意する',
  errorSummary: '入力内容に問題があります',
  errors: {
    Required: '{field}を入力してください。',
    DoesNotMatch: '{field}がこのページの署名者と一致しません。',
    MustAccept: '契約に同意するにはチェックボックスをオンにしてください。',
    Invalid: '{field}を確認してください。',
  },
  confirmedHeading: 'ありがとうございます。契約への同意が完了しました',
  confirmedBody: '{company} はマイクロソフト顧客契約に同意しました。パートナーが手続きを完了できます。',
  alreadyHeading: 'この契約にはすでに同意済みです',
  alreadyBody: 'これ以上の操作は不要です。{company} について記録された同意:',
  acceptedAt: '同意日時 (UTC)',
  acceptedBy: '同意者',
  closeHint: 'このページを閉じてかまいません。',
  expiredHeading: 'このリンクは有効期限が切れています',
  expiredBody: '何も記録されていません。パートナーに新しいリンクを依頼してください。',
  cancelledHeading: 'このリンクは取り消されました',
  cancelledBody: '何も記録されていません。パートナーに新しいリンクを依頼してください。',
  unknownHeading: 'このリンクは無効です',
  unknownBody: '受け取ったリンク全体を開いたか確認するか、パートナーに新しいリンクを依頼してください。',
  forbiddenHeading: 'フォームを確認できませんでした',
  forbiddenBody: '何も記録されていません。リンクを開き直し、新しいページから同意してください。',
  reload: 'ページを開き直す',
  notice: 'このページがあなたの情報を誰かに送信することはありません。',
};

const zh: PageMessages = {
  htmlLang: 'zh-Hans',
  title: '接受 Microsoft 客户协议',
  agreementName: 'Microsoft 客户协议 (Microsoft Customer Agreement)',
  intro: '{company} 需要接受 Microsoft 客户协议。请在接受前仔细阅读。',
  company: '公司',
  signatory: '签署人',
  template: '协议版本',
  document: '协议文档',
  documentLinkText: '阅读 Microsoft 客户协议',
  meaning:
    '接受即表示你确认你有权代表 {company}，并且 {company} 接受上方链接中的 Microsoft 客户协议。你的合作伙伴随后可以根据此接受为 {company} 创建协议。时间、你的网络地址和浏览器，以及你输入的姓名和电子邮件将作为证据记录。',
  expires: '此链接的过期时间：{time} (UTC)',
  formHeading: '确认并接受',
  firstName: '名',
  lastName: '姓',
  email: '电子邮件',
  emailHint: '请输入此页面所针对的签署人的姓名和电子邮件。',
  acceptLabel: '我代表 {company} 接受 Microsoft 客户协议。',
  submit: '接受协议',
  errorSummary: '存在问题',
  errors: {
    Required: '请输入{field}。',
    DoesNotMatch: '{field}与此页面的签署人不符。',
    MustAccept: '请勾选复选框以接受协议。',
    Invalid: '请检查{field}。',
  },
  confirmedHeading: '谢谢：协议已接受',
  confirmedBody: '{company} 已接受 Microsoft 客户协议。你的合作伙伴现在可以完成后续步骤。',
  alreadyHeading: '此协议已被接受',
  alreadyBody: '无需其他操作。为 {company} 记录的接受：',
  acceptedAt: '接受时间 (UTC)',
  acceptedBy: '接受人',
  closeHint: '你可以关闭此页面。',
  expiredHeading: '此链接已过期',
  expiredBody: '未记录任何内容。请向你的合作伙伴索取新链接。',
  cancelledHeading: '此链接已被取消',
  cancelledBody: '未记录任何内容。请向你的合作伙伴索取新链接。',
  unknownHeading: '此链接无效',
  unknownBody: '请确认你打开的是完整的链接，或向你的合作伙伴索取新链接。',
  forbiddenHeading: '无法验证你的表单',
  forbiddenBody: '未记录任何内容。请重新打开链接，并在新页面上接受。',
  reload: '重新打开页面',
  notice: '此页面绝不会将你的信息发送给任何人。',
};

const MESSAGES: Record<PageLanguage, PageMessages> = { en, ja, zh };

/** `ja-JP` → ja, `zh-CN`/`zh-Hans` → zh, anything else → en (the fallback). */
/** Chinese written in Traditional characters (Taiwan, Hong Kong, Macao): the page has no text for it. */
const TRADITIONAL_CHINESE = /^zh[-_](hant|tw|hk|mo)\b/;

/** The page's language for an attestation's: Japanese, Simplified Chinese, or English otherwise. */
export function pageLanguageOf(language: string | undefined): PageLanguage {
  const tag = String(language ?? '').toLowerCase();
  const primary = tag.split(/[-_]/)[0];
  if (primary === 'zh') return TRADITIONAL_CHINESE.test(tag) ? 'en' : 'zh';
  return primary === 'ja' ? 'ja' : 'en';
}

export function messagesFor(language: string | undefined): PageMessages {
  return MESSAGES[pageLanguageOf(language)];
}

/** Fills {name} placeholders; unknown names stay as they are. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
