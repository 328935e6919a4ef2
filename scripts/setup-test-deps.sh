#!/usr/bin/env bash
# Debian packages the tests need: the independent oracles exiftool (libimage-exiftool-perl) and
# tshark/editcap, and python3-scapy to write capture variants with code that is not Airlock's.
# Idempotent and quick when present; runs apt-get update at most once. Expects root (CI, containers).
set -euo pipefail

need=()
command -v exiftool >/dev/null 2>&1 || need+=(libimage-exiftool-perl)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v editcap >/dev/null 2>&1 || need+=(wireshark-common)
# dumpcap (wireshark-common too) captures the tablet's link in test/gateway/audit-agrees.test.ts.
[ -x /usr/bin/dumpcap ] || need+=(wireshark-common)
/usr/bin/python3 -c 'import scapy' >/dev/null 2>&1 || need+=(python3-scapy)
# The live QUIC test: Debian's chromium speaks HTTP/3 to Debian's caddy on loopback.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v caddy >/dev/null 2>&1 || need+=(caddy)
# Store and gateway tests: an independent SQLite shell to inspect and tamper with the record,
# curl as a real proxy client, openssl for the test servers' certificates.
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# PostgreSQL store tests: a throwaway server per test file (test/helpers/pg-cluster.ts), psql as client.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && [ -x /usr/bin/psql ] || need+=(postgresql)
[ -x /usr/sbin/nft ] && [ -x /usr/sbin/ip ] || need+=(nftables iproute2) # gateway: namespaces + rules
# DNS over TCP: Debian's dig (dnsutils) is the independent client.
command -v dig >/dev/null 2>&1 || need+=(dnsutils)
# JPEG pixels: libjpeg-turbo's djpeg decodes a clean copy and its original to compare.
command -v djpeg >/dev/null 2>&1 || need+=(libjpeg-turbo-progs)
# ICC profiles: LittleCMS's transicc converts colours through a profile before and after scrub
command -v transicc >/dev/null 2>&1 || need+=(liblcms2-utils)
# Video: ffmpeg makes test videos (captions, location) and decodes a clean copy and its original
# to compare every frame (framemd5); ffprobe lists the streams the copy keeps.
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
# GNU time's %M: the peak RSS of a scrub that must stream a video rather than hold it.
[ -x /usr/bin/time ] || need+=(time)
# vet: Android's own tools as oracles: aapt (manifest, permissions), apksigner (signatures),
# dexdump (DEX tables, const-strings), and Info-ZIP's unzip/zipinfo (entries).
command -v aapt >/dev/null 2>&1 || need+=(aapt)
command -v apksigner >/dev/null 2>&1 || need+=(apksigner)
command -v dexdump >/dev/null 2>&1 || need+=(dexdump)
command -v zipinfo >/dev/null 2>&1 || need+=(unzip)
# NTRIP 1.0 through the gateway: RTKLIB's str2str as the RTK rover and as the caster.
command -v str2str >/dev/null 2>&1 || need+=(rtklib)

# Faces: OpenCV's Haar cascade (python3-opencv, opencv-data) is the independent detector the
# face tests compare with; their pictures are scikit-image's sample photographs (below).
/usr/bin/python3 -c 'import cv2' >/dev/null 2>&1 || need+=(python3-opencv)
[ -f /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml ] || need+=(opencv-data)

# scikit-image's sample photographs (a portrait, scenes without people), unpacked from Debian's
# python3-skimage package without installing it (its dependencies are not needed to read PNGs).
pictures=/var/cache/airlock-test-data/skimage
fetch_pictures() {
  [ -f "$pictures/astronaut.png" ] && return 0
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download -qq python3-skimage >/dev/null 2>&1) || {
    apt-get update -qq && (cd "$tmp" && apt-get download -qq python3-skimage >/dev/null)
  }
  dpkg-deb -x "$tmp"/python3-skimage_*.deb "$tmp/x"
  mkdir -p "$pictures"
  cp "$tmp"/x/usr/lib/python3/dist-packages/skimage/data/*.png "$tmp"/x/usr/lib/python3/dist-packages/skimage/data/*.jpg "$pictures/"
  rm -rf "$tmp"
}

if [ ${#need[@]} -eq 0 ]; then
  fetch_pictures
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-test-deps: missing ${need[*]}; run as root or install them: apt-get install ${need[*]}" >&2
  exit 1
fi

echo "setup-test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# tshark asks whether non-root users may capture: answer no, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fetch_pictures
