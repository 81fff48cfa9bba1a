# Sourced by every script that runs node. The project runs on Node.js 24 (package.json `engines`); the machine's
# own node may be older (Debian's is 20, past its end of life). `npm ci` installs the npm package `node`, pinned to
# 24.x as a devDependency, whose binary lands in node_modules/.bin: npm scripts find it first on PATH, and this file
# puts it first for a script run directly too. Anything else fails here, loudly: nothing falls back to another version.
node_runtime_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$node_runtime_root/node_modules/.bin/node" ]; then
  case ":$PATH:" in
    *":$node_runtime_root/node_modules/.bin:"*) ;;
    *) PATH="$node_runtime_root/node_modules/.bin:$PATH" ;;
  esac
  export PATH
fi
node_runtime_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
if [ "$node_runtime_major" != "24" ]; then
  echo "this project runs on Node.js 24, but the node on PATH is $(node --version 2>/dev/null || echo missing)." >&2
  echo "run 'npm ci' in $node_runtime_root: it installs Node.js 24 into node_modules/.bin (the npm package 'node')." >&2
  exit 1
fi
unset node_runtime_major
