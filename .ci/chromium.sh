#!/usr/bin/env bash
# Headless Chromium (and poppler-utils' pdfinfo/pdftotext) for tests/test_report_browser.py,
# from Debian's apt. Does nothing when both are there. Never fails CI: without Chromium
# that one test is skipped with its reason, so a failed install is reported, not fatal.
set -u

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/pdfinfo ] || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo ".ci/chromium.sh: not root, cannot install ${missing[*]}; the browser test will be skipped" >&2
  exit 0
fi
echo ".ci/chromium.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! log=$(apt-get update -qq 2>&1 && apt-get install -y -qq "${missing[@]}" 2>&1); then
  echo ".ci/chromium.sh: could not install ${missing[*]}; the browser test will be skipped:" >&2
  printf '%s\n' "$log" | tail -n 20 >&2
fi
exit 0
