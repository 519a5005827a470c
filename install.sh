#!/bin/sh
# Installs the chat binary for this machine from a GitHub release, after checking it against the
# release's SHA256SUMS. POSIX sh; needs curl or wget, and sha256sum or shasum.
#
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh
#   sh install.sh [--version vX.Y.Z] [--prefix DIR] [--base-url URL] [--repo OWNER/REPO]
#
# Nothing is installed unless every step succeeds; the temporary folder is always removed.
set -eu

# The repository whose releases are used. Empty here; the release workflow fills it in for the copy
# of this script it attaches to each release.
DEFAULT_REPO=""

usage() {
	cat <<'EOF'
Usage: install.sh [options]

Downloads chat for this system and its SHA256SUMS from a release, checks the
checksum, and installs it as PREFIX/bin/chat.

Options:
  --version vX.Y.Z   the release to install (default: the latest)
  --prefix DIR       install into DIR/bin (default: $HOME/.local)
  --base-url URL     where the releases are, laid out like GitHub's
                     (URL/latest/download/FILE, URL/download/vX.Y.Z/FILE);
                     default https://github.com/OWNER/REPO/releases, or
                     $CHAT_INSTALL_BASE_URL when set (for mirrors)
  --repo OWNER/REPO  the GitHub repository to take the release from
  -h, --help         this help
EOF
}

# say MESSAGE: progress on stderr, so stdout stays free for a caller.
say() {
	printf 'install.sh: %s\n' "$1" >&2
}

# fail MESSAGE: the one-line reason, then exit 1 (the EXIT trap removes the temporary folder).
fail() {
	printf 'install.sh: error: %s\n' "$1" >&2
	exit 1
}

# usage_error MESSAGE: a bad command line, exit 2.
usage_error() {
	printf 'install.sh: %s\n\n' "$1" >&2
	usage >&2
	exit 2
}

version="latest"
prefix=""
base_url="${CHAT_INSTALL_BASE_URL:-}"
repo="$DEFAULT_REPO"

while [ $# -gt 0 ]; do
	case "$1" in
	--version | --prefix | --base-url | --repo)
		[ $# -ge 2 ] || usage_error "$1 needs a value"
		case "$1" in
		--version) version="$2" ;;
		--prefix) prefix="$2" ;;
		--base-url) base_url="$2" ;;
		--repo) repo="$2" ;;
		esac
		shift 2
		;;
	-h | --help)
		usage
		exit 0
		;;
	*) usage_error "unknown option: $1" ;;
	esac
done

case "$version" in
latest) ;;
v[0-9]*.[0-9]*.[0-9]*) ;;
*) usage_error "--version must look like v1.2.3 (got '$version')" ;;
esac
if [ -z "$prefix" ]; then
	[ -n "${HOME:-}" ] || usage_error "HOME is not set: pass --prefix DIR"
	prefix="$HOME/.local"
fi

if [ -z "$base_url" ]; then
	[ -n "$repo" ] || usage_error "no release location: pass --repo OWNER/REPO or --base-url URL (the copy of install.sh attached to each release knows its repository)"
	base_url="https://github.com/$repo/releases"
fi
base_url="${base_url%/}"

# The release file for this machine; the names are scripts/build_targets.ts's binaryName().
system="$(uname -s)"
machine="$(uname -m)"
case "$machine" in
x86_64 | amd64) arch="x86_64" ;;
aarch64 | arm64) arch="aarch64" ;;
*) fail "no chat binary for the $machine architecture (there are x86_64 and aarch64 builds)" ;;
esac
case "$system" in
Linux) file="chat-$arch-unknown-linux-gnu" ;;
Darwin)
	# A shell under Rosetta reports x86_64 on Apple silicon: take the native build there.
	if [ "$arch" = "x86_64" ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = "1" ]; then
		arch="aarch64"
	fi
	file="chat-$arch-apple-darwin"
	;;
MINGW* | MSYS* | CYGWIN* | Windows*)
	fail "on Windows download chat-$arch-pc-windows-msvc.exe and SHA256SUMS from the release page instead (this script installs on Linux and macOS)"
	;;
*) fail "no chat binary for $system (there are builds for Linux, macOS and Windows)" ;;
esac

if [ "$version" = "latest" ]; then
	release_url="$base_url/latest/download"
else
	release_url="$base_url/download/$version"
fi

# The tools, checked before anything is downloaded.
if command -v curl >/dev/null 2>&1; then
	downloader="curl"
elif command -v wget >/dev/null 2>&1; then
	downloader="wget"
else
	fail "neither curl nor wget is installed: install one of them and run this again"
fi
if command -v sha256sum >/dev/null 2>&1; then
	hasher="sha256sum"
elif command -v shasum >/dev/null 2>&1; then
	hasher="shasum"
else
	fail "neither sha256sum nor shasum is installed: cannot check what would be installed"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/chat-install.XXXXXX")" || fail "cannot create a temporary folder"
staged=""
# cleanup: removes the temporary folder and a half-installed copy, on every exit.
cleanup() {
	rm -rf "$tmp"
	if [ -n "$staged" ]; then rm -f "$staged"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# download URL FILE: fetches URL into FILE, failing on an HTTP error.
download() {
	if [ "$downloader" = "curl" ]; then
		curl --fail --silent --show-error --location --output "$2" "$1"
	else
		wget --quiet --output-document="$2" "$1"
	fi
}

# sha256 FILE: the file's SHA-256 as lower-case hex.
sha256() {
	if [ "$hasher" = "sha256sum" ]; then
		sha256sum "$1"
	else
		shasum -a 256 "$1"
	fi | {
		read -r sum _ || true
		printf '%s\n' "$sum"
	}
}

say "downloading $file ($version) from $release_url"
download "$release_url/SHA256SUMS" "$tmp/SHA256SUMS" || fail "could not download $release_url/SHA256SUMS"
download "$release_url/$file" "$tmp/$file" || fail "could not download $release_url/$file"

expected=""
# The last line counts even without a final newline (a mirror may have dropped it).
while read -r sum name || [ -n "$sum" ]; do
	# sha256sum marks binary mode with a leading '*' on the name.
	if [ "$name" = "$file" ] || [ "$name" = "*$file" ]; then
		expected="$sum"
	fi
done <"$tmp/SHA256SUMS"
[ -n "$expected" ] || fail "SHA256SUMS has no line for $file"
actual="$(sha256 "$tmp/$file")"
[ "$actual" = "$expected" ] || fail "checksum mismatch for $file: expected $expected, got $actual (nothing installed)"
say "checksum OK ($hasher)"

# Into place: a hidden copy beside the destination is run once, then renamed over any old chat, so
# the old one stays until the new one is known to work.
bin_dir="$prefix/bin"
mkdir -p "$bin_dir" || fail "cannot create $bin_dir"
staged="$bin_dir/.chat.new.$$"
cp "$tmp/$file" "$staged" || fail "cannot write into $bin_dir"
chmod 755 "$staged"
if ! installed_version="$("$staged" --version 2>&1)"; then
	fail "the downloaded chat does not run here: $installed_version (nothing installed)"
fi
mv -f "$staged" "$bin_dir/chat" || fail "cannot replace $bin_dir/chat"
staged=""
say "installed $installed_version as $bin_dir/chat"

case ":${PATH:-}:" in
*":$bin_dir:"*) say "run: chat --help" ;;
*)
	say "$bin_dir is not on your PATH; add it, e.g. in ~/.profile (or your shell's rc file):"
	# The $PATH below is for the user's profile, not to be expanded here.
	# shellcheck disable=SC2016
	printf '  export PATH="%s:$PATH"\n' "$bin_dir" >&2
	;;
esac
