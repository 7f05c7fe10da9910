# Sourced by Tests/run.sh and the simulators' scripts:
#   install_packages PKG...   installs the Debian packages not yet installed (as root or with sudo),
#                             then checks that Swift 6 is there (it cannot be installed from here).
install_packages() {
    local missing=() p sudo=""
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if ((${#missing[@]})); then
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "installing: ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
    fi
    if ! command -v swift >/dev/null; then
        echo "Swift 6 is required: install it from https://www.swift.org/install/linux/ and run this again." >&2
        exit 1
    fi
}
