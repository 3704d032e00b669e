# shellcheck shell=bash
# Base images built locally (no image registry is reachable): Debian via debootstrap, the rest
# via `docker build --network host` (only the host reaches the apt mirror). Built once per
# machine into the shared engine's data-root; each tag is skipped when it already exists.

IMAGE_DEBIAN=local/debian:bookworm
IMAGE_PYTHON=local/python:bookworm
IMAGE_NODE=local/node:bookworm
IMAGES_BUILD_DIR="$DOCKER_DIR/build"

image_kafka_tag() { echo "local/kafka:$(kafka_resolved_version || echo "$KAFKA_VERSION")"; }
images_all() { echo "$IMAGE_DEBIAN" "$IMAGE_PYTHON" "$IMAGE_NODE" "$(image_kafka_tag)"; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The Debian mirror apt already uses here (deb822 "URIs:" or one-line "deb URI ..." entries).
_debian_mirror() { # SUFFIX: "debian" or "debian-security"
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null |
    awk -v s="$1" '($1 == "URIs:" || $1 == "deb") { for (i = 2; i <= NF; i++) if ($i ~ "^https?://.*/" s "/?$") { print $i; exit } }')
  echo "${uri%/}"
}

_image_done() { # TAG START
  log "images: built $1 in $(elapsed "$2") ($(docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%d MB", $1 / 1e6 }'))"
}

_image_build_debian() {
  apt_install debootstrap
  local mirror security root log start
  mirror=$(_debian_mirror debian)
  [[ -n $mirror ]] || mirror=http://deb.debian.org/debian
  security=$(_debian_mirror debian-security)
  root="$IMAGES_BUILD_DIR/debian-rootfs"
  log="$IMAGES_BUILD_DIR/debian.log"
  start=$(now)
  log "images: building $IMAGE_DEBIAN (debootstrap from $mirror)"
  rm -rf "$root"
  if ! debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$log" 2>&1; then
    warn "images: debootstrap failed; last 20 lines of $log:"
    tail -n 20 "$log" >&2
    rm -rf "$root"
    exit 1
  fi
  # Same suites as the host, so images get security fixes; no package caches in the image.
  {
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    [[ -z $security ]] || echo "deb $security bookworm-security main"
  } >"$root/etc/apt/sources.list"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/tmp/*
  tar -C "$root" -c . | docker import \
    -c 'CMD ["/bin/bash"]' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' \
    - "$IMAGE_DEBIAN" >>"$log" 2>&1 || { rm -rf "$root"; die "images: docker import failed (see $log)"; }
  rm -rf "$root"
  _image_done "$IMAGE_DEBIAN" "$start"
}

# _image_build_dockerfile TAG NAME: builds infra/images/NAME in a context holding only that
# directory (plus what the caller put in IMAGES_BUILD_DIR/NAME beforehand).
_image_build_dockerfile() {
  local tag=$1 name=$2 ctx="$IMAGES_BUILD_DIR/$2" log="$IMAGES_BUILD_DIR/$2.log" start
  start=$(now)
  mkdir -p "$ctx"
  cp -r "$INFRA_DIR/images/$name/." "$ctx/"
  log "images: building $tag"
  # Classic builder: supports --network host on this engine and needs no buildx plugin.
  if ! DOCKER_BUILDKIT=0 docker build --network host --force-rm -t "$tag" "$ctx" >"$log" 2>&1; then
    warn "images: building $tag failed; last 20 lines of $log:"
    tail -n 20 "$log" >&2
    exit 1
  fi
  rm -rf "$ctx"
  _image_done "$tag" "$start"
}

_image_build_kafka() {
  local tag ctx="$IMAGES_BUILD_DIR/kafka"
  kafka_fetch_jars
  tag=$(image_kafka_tag)
  rm -rf "$ctx"
  mkdir -p "$ctx"
  # Hard links: the 50 MB of jars are not copied, only sent once as build context.
  cp -al "$KAFKA_LIBS" "$ctx/libs" 2>/dev/null || cp -r "$KAFKA_LIBS" "$ctx/libs"
  _image_build_dockerfile "$tag" kafka
}

# Builds every missing image; the engine must be running.
_images_build_missing() {
  mkdir -p "$IMAGES_BUILD_DIR"
  local built=0
  if image_exists "$IMAGE_DEBIAN"; then log "images: $IMAGE_DEBIAN present"; else _image_build_debian; built=1; fi
  if image_exists "$IMAGE_PYTHON"; then log "images: $IMAGE_PYTHON present"; else _image_build_dockerfile "$IMAGE_PYTHON" python; built=1; fi
  if image_exists "$IMAGE_NODE"; then log "images: $IMAGE_NODE present"; else _image_build_dockerfile "$IMAGE_NODE" node; built=1; fi
  if image_exists "$(image_kafka_tag)"; then log "images: $(image_kafka_tag) present"; else _image_build_kafka; built=1; fi
  # A rebuilt tag leaves its old image dangling: reclaim the space.
  if ((built)); then docker image prune -f >/dev/null 2>&1 || true; fi
}

images_install() {
  command -v dockerd >/dev/null 2>&1 || docker_install
  if docker_ready; then
    _images_build_missing
    return 0
  fi
  # Building needs the engine: start it for the build only.
  docker_up
  _images_build_missing
  docker_down
}

images_up() {
  docker_ready || die "images: docker engine is not running; run: infra/infra.sh up docker"
  _images_build_missing
}

images_down() {
  log "images: nothing to stop (images stay cached in $DOCKER_DIR/data)"
}

images_status() {
  local tag missing=()
  if ! docker_ready; then
    printf '%-9s stopped  (docker engine not running)\n' images
    return 1
  fi
  for tag in $(images_all); do image_exists "$tag" || missing+=("$tag"); done
  if ((${#missing[@]})); then
    printf '%-9s missing  %s\n' images "${missing[*]}"
    return 1
  fi
  printf '%-9s present  %s\n' images "$(images_all)"
}
