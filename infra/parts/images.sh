# shellcheck shell=bash
# Base images built locally (no image registry is reachable): Debian via debootstrap, the rest
# via `docker build --network host` (only the host reaches the apt mirror). Built once per
# machine; each tag is skipped when it already exists.
#
# The node's engine remaps user namespaces (docker.sh), and a remapping engine refuses host networking, so images are
# built on a short-lived engine of their own (no remapping, no bridge, not reachable by any job) and copied into the
# node's engine with `docker save | docker load`. Its data root keeps what it built, so a node engine whose data root
# moved gets its images again without a rebuild.

IMAGE_DEBIAN=local/debian:bookworm
IMAGE_PYTHON=local/python:bookworm
IMAGE_NODE=local/node:bookworm
IMAGES_BUILD_DIR="$DOCKER_DIR/build"
IMAGE_BUILDER_DIR="$DOCKER_DIR/image-build"
IMAGE_BUILDER_HOST="unix://$IMAGE_BUILDER_DIR/docker.sock"
IMAGE_BUILDER_PIDFILE="$IMAGE_BUILDER_DIR/dockerd.pid"
IMAGE_BUILDER_LOG="$IMAGE_BUILDER_DIR/dockerd.log"

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

_image_builder_ready() { DOCKER_HOST=$IMAGE_BUILDER_HOST timeout 5 docker version >/dev/null 2>&1; }

_image_builder_up() {
  pid_of "$IMAGE_BUILDER_PIDFILE" >/dev/null && _image_builder_ready && return 0
  mkdir -p "$IMAGE_BUILDER_DIR"
  rm -f "$IMAGE_BUILDER_DIR/docker.sock"
  spawn "$IMAGE_BUILDER_PIDFILE" "$IMAGE_BUILDER_LOG" dockerd \
    --data-root "$IMAGE_BUILDER_DIR/data" \
    --exec-root "$IMAGE_BUILDER_DIR/exec" \
    --pidfile "$IMAGE_BUILDER_DIR/dockerd.self.pid" \
    -H "$IMAGE_BUILDER_HOST" \
    --bridge none --iptables=false --ip-forward=false --ip-masq=false
  wait_ready image-build "$IMAGE_BUILDER_LOG" "$IMAGE_BUILDER_PIDFILE" _image_builder_ready || exit 1
  log "images: image-build engine started (pid $(pid_of "$IMAGE_BUILDER_PIDFILE"))"
}

_image_builder_down() {
  pid_of "$IMAGE_BUILDER_PIDFILE" >/dev/null || return 0
  stop_pidfile image-build "$IMAGE_BUILDER_PIDFILE" TERM
  rm -f "$IMAGE_BUILDER_DIR/docker.sock"
}

# _image_on_builder TAG BUILD...: runs BUILD against the image-build engine unless it already holds TAG.
_image_on_builder() {
  local tag=$1; shift
  (
    export DOCKER_HOST=$IMAGE_BUILDER_HOST
    if image_exists "$tag"; then log "images: $tag already built"; else "$@"; fi
  ) || exit 1
}

# _image_provide TAG BUILD...: makes TAG present in the node's engine, built (if need be) and copied from the image-build
# engine.
_image_provide() {
  local tag=$1
  if image_exists "$tag"; then
    log "images: $tag present"
    return 0
  fi
  _image_builder_up
  _image_on_builder "$@"
  log "images: copying $tag into the node's engine"
  DOCKER_HOST=$IMAGE_BUILDER_HOST docker save "$tag" | docker load >/dev/null || die "images: copying $tag failed"
  _images_copied=1
}

# Builds every missing image; the engine must be running.
_images_build_missing() {
  mkdir -p "$IMAGES_BUILD_DIR"
  _images_copied=0
  # Debian first: the Dockerfile images build on it in the image-build engine.
  if ! image_exists "$IMAGE_PYTHON" || ! image_exists "$IMAGE_NODE" || ! image_exists "$(image_kafka_tag)"; then
    _image_builder_up
    _image_on_builder "$IMAGE_DEBIAN" _image_build_debian
  fi
  _image_provide "$IMAGE_DEBIAN" _image_build_debian
  _image_provide "$IMAGE_PYTHON" _image_build_dockerfile "$IMAGE_PYTHON" python
  _image_provide "$IMAGE_NODE" _image_build_dockerfile "$IMAGE_NODE" node
  _image_provide "$(image_kafka_tag)" _image_build_kafka
  _image_builder_down
  # A replaced tag leaves its old image dangling: reclaim the space.
  if ((_images_copied)); then docker image prune -f >/dev/null 2>&1 || true; fi
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
