package io.deeploy.project.service;

import io.deeploy.events.TagExpression;
import io.deeploy.events.VolumeNames;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Egress;
import io.deeploy.events.payload.FileVolume;
import io.deeploy.events.payload.RegistryAuth;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.RestartPolicy;
import io.deeploy.events.payload.TunnelSettings;
import io.deeploy.events.payload.VcsSource;
import io.deeploy.events.payload.Volume;
import io.deeploy.node.TargetAddresses;
import io.deeploy.project.rest.CreateJobRequest;
import io.deeploy.project.rest.EditJobRequest;
import io.deeploy.project.rest.ScaleJobRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks a job request field by field and turns it into the {@link JobSpec} that JobRequested carries. Pure: it reads
 * nothing and writes nothing, so a refused request leaves no trace.
 */
public final class JobSpecValidator {

    /** An alias becomes a DNS label of the app's URL. */
    static final Pattern ALIAS = Pattern.compile("[a-z][a-z0-9-]{0,40}[a-z0-9]");
    static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9._/-]{1,200}");
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /** [registry host[:port]/]path[:tag][@digest]; a port can only be a registry's, so it needs the '/' after it. */
    static final Pattern IMAGE = Pattern.compile("([a-z0-9][a-z0-9.-]{0,252}:[0-9]{1,5}/)?[a-z0-9][a-z0-9._/-]{0,200}"
            + "(:[A-Za-z0-9._-]{1,128})?(@sha256:[a-f0-9]{64})?");
    /** The most nodes one job runs on. */
    static final int MAX_NODES = 100;
    /** Network protocols a node fetches with; a path or file:// would read the node's own disk. */
    static final Set<String> REPOSITORY_SCHEMES = Set.of("http", "https", "git");
    static final String DEFAULT_WAR_IMAGE = "local/node:bookworm";
    static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]+");
    /** Names of a job's secrets: its repository token and its secret env values. */
    public static final String VCS_TOKEN = "vcs.token";
    public static final String SECRET_ENV_PREFIX = "env.";
    /** The job secret holding a cloudflare or ngrok token. */
    public static final String TUNNEL_TOKEN = TunnelSettings.TOKEN_SECRET;
    static final Set<String> TUNNEL_ENGINES = Set.of(TunnelSettings.BUILTIN, TunnelSettings.CLOUDFLARE, TunnelSettings.NGROK);
    /** A public DNS name: at least two labels of letters, digits and inner '-'; no scheme, port or path. */
    static final Pattern HOSTNAME = Pattern.compile("(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    /** The job secret holding the password of the registry its image is pulled from. */
    public static final String REGISTRY_PASSWORD = RegistryAuth.PASSWORD_SECRET;
    /** A registry as an image reference names it: DNS labels or an IPv4 address, optionally a port; no scheme, no path. */
    static final Pattern REGISTRY_SERVER = Pattern.compile(
            "(?=[^:]{1,253}(:|$))[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:(?<port>[0-9]{1,5}))?");
    /** Any text but control characters: a password is sealed as it is and only ever sent to the registry. */
    static final Pattern NO_CONTROL = Pattern.compile("[^\\p{Cntrl}]+");
    static final Set<String> RESERVED_MOUNTS = Set.of("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin",
            "/sys", "/usr", "/var", "/tmp");

    private JobSpecValidator() {
    }

    /** What the platform's operator loosened ({@link io.deeploy.project.config.JobsConfig}). */
    public record Rules(boolean allowPrivateRepositories, boolean allowUnrestrictedEgress) {
        public static final Rules STRICT = new Rules(false, false);
    }

    public static JobSpec validate(CreateJobRequest request) {
        return validate(request, Rules.STRICT);
    }

    public static JobSpec validate(CreateJobRequest request, Rules rules) {
        if (request == null) {
            throw ApiException.invalid("body", "a job request body is required");
        }
        String alias = required(request.alias(), "alias");
        if (!ALIAS.matcher(alias).matches()) {
            throw ApiException.invalid("alias", "alias must be 2-42 lowercase letters, digits or '-', start with a letter "
                    + "and not end with '-'");
        }
        JobKind kind = request.kind();
        if (kind == null) {
            throw ApiException.invalid("kind", "kind is required: WAR (build a Git repository) or CAR (run an image)");
        }
        String image = request.image() == null ? (kind == JobKind.WAR ? DEFAULT_WAR_IMAGE : null) : request.image().strip();
        if (image == null || image.isEmpty()) {
            throw ApiException.invalid("image", "image is required for a CAR job");
        }
        if (!IMAGE.matcher(image).matches()) {
            throw ApiException.invalid("image", "image is not a valid image reference");
        }
        VcsSource vcs = kind == JobKind.WAR ? repository(request.repository(), rules) : null;
        if (kind == JobKind.CAR && request.repository() != null) {
            throw ApiException.invalid("repository", "a CAR job runs an image and takes no repository");
        }
        List<String> commands = request.commands() == null ? List.of() : request.commands();
        if (kind == JobKind.WAR && commands.isEmpty()) {
            throw ApiException.invalid("commands", "a WAR job needs at least one build-and-run command");
        }
        for (int i = 0; i < commands.size(); i++) {
            String command = commands.get(i);
            if (command == null || command.isBlank() || command.length() > 4000) {
                throw ApiException.invalid("commands[" + i + "]", "each command must be non-empty and at most 4000 characters");
            }
        }
        Map<String, String> env = request.env() == null ? Map.of() : request.env();
        for (Map.Entry<String, String> entry : env.entrySet()) {
            if (!ENV_NAME.matcher(entry.getKey()).matches()) {
                throw ApiException.invalid("env." + entry.getKey(), "environment variable names are letters, digits and '_'");
            }
            if (entry.getValue() == null || entry.getValue().length() > 32_768) {
                throw ApiException.invalid("env." + entry.getKey(), "environment values are strings of at most 32 KiB");
            }
        }
        Map<String, String> secretEnv = request.secretEnv() == null ? Map.of() : request.secretEnv();
        for (Map.Entry<String, String> entry : secretEnv.entrySet()) {
            if (!ENV_NAME.matcher(entry.getKey()).matches()) {
                throw ApiException.invalid("secretEnv." + entry.getKey(), "environment variable names are letters, digits and '_'");
            }
            if (env.containsKey(entry.getKey())) {
                throw ApiException.invalid("secretEnv." + entry.getKey(), "a variable is either in env or in secretEnv, not both");
            }
            if (entry.getValue() == null || entry.getValue().isEmpty() || entry.getValue().length() > 32_768) {
                throw ApiException.invalid("secretEnv." + entry.getKey(), "secret values are non-empty strings of at most 32 KiB");
            }
        }
        int port = request.port() == null ? 0 : request.port();
        if (port < 1 || port > 65535) {
            throw ApiException.invalid("port", "port must be the app's listening port, 1-65535");
        }
        String restartPolicy;
        try {
            restartPolicy = RestartPolicy.parse(request.restartPolicy()).wireName();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("restartPolicy", e.getMessage());
        }
        NodeChoice nodes = nodes(request.targetNodes(), request.targetNodeCount());
        List<String> targetNodes = nodes.targetNodes();
        int nodeCount = nodes.count();
        List<String> nodeTags = request.nodeTags() == null ? List.of() : request.nodeTags();
        for (int i = 0; i < nodeTags.size(); i++) {
            if (nodeTags.get(i) == null || nodeTags.get(i).isBlank() || nodeTags.get(i).length() > 200) {
                throw ApiException.invalid("nodeTags[" + i + "]", "tag filters are non-empty, at most 200 characters");
            }
            try {
                TagExpression.parse(nodeTags.get(i));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("nodeTags[" + i + "]", e.getMessage());
            }
        }
        int duration = request.durationEpochs() == null ? 30 : request.durationEpochs();
        if (duration < 1 || duration > 3650) {
            throw ApiException.invalid("durationEpochs", "durationEpochs must be 1-3650");
        }
        List<Volume> volumes = volumes(request.volumes());
        List<FileVolume> files = fileVolumes(request.fileVolumes(), volumes);
        TunnelSettings tunnel = tunnel(request.tunnel());
        RegistryAuth registry = registry(request.registry(), image);
        Egress egress = egress(request.egress(), rules);
        if (egress == Egress.NONE && tunnel != null && !TunnelSettings.BUILTIN.equals(tunnel.engine())) {
            // The engine runs in the app's network namespace and reaches its cloud through it.
            throw ApiException.invalid("tunnel.engine", "a " + tunnel.engine() + " tunnel reaches its cloud through the app's "
                    + "network, which egress none cuts off; use egress internet or the built-in ingress");
        }
        return new JobSpec(kind, alias, image, vcs, List.copyOf(commands), Map.copyOf(env), new TreeSet<>(secretEnv.keySet()).stream().toList(), port,
                resources(request.resources()), restartPolicy, healthCheck(request.healthCheck()), List.copyOf(targetNodes),
                nodeCount, List.copyOf(nodeTags), duration, volumes, files, tunnel, registry, egress);
    }

    /** The nodes a job asks for: exactly {@code targetNodes}, or else {@code count} the scheduler chooses. */
    public record NodeChoice(List<String> targetNodes, int count) {
    }

    /** Checks {@code targetNodes} and {@code targetNodeCount} of a create or a scale request (400 naming the field). */
    static NodeChoice nodes(List<String> requestedNodes, Integer requestedCount) {
        List<String> targetNodes = requestedNodes == null ? List.of() : requestedNodes;
        for (int i = 0; i < targetNodes.size(); i++) {
            if (targetNodes.get(i) == null || targetNodes.get(i).isBlank()) {
                throw ApiException.invalid("targetNodes[" + i + "]", "node ids must be non-empty");
            }
        }
        if (Set.copyOf(targetNodes).size() != targetNodes.size()) {
            throw ApiException.invalid("targetNodes", "a node may be targeted once");
        }
        if (targetNodes.size() > MAX_NODES) {
            throw ApiException.invalid("targetNodes", "at most " + MAX_NODES + " nodes");
        }
        int nodeCount = requestedCount == null ? Math.max(1, targetNodes.size()) : requestedCount;
        if (nodeCount < 1 || nodeCount > MAX_NODES) {
            throw ApiException.invalid("targetNodeCount", "targetNodeCount must be 1-" + MAX_NODES);
        }
        if (!targetNodes.isEmpty() && nodeCount != targetNodes.size()) {
            throw ApiException.invalid("targetNodeCount", "targetNodeCount must equal the number of targetNodes when both are given");
        }
        return new NodeChoice(List.copyOf(targetNodes), nodeCount);
    }

    /**
     * The nodes {@code request} gives a job now running as {@code current}: checked as at creation; a job that names its
     * nodes is scaled by naming them (400 {@code targetNodes}), and asking for the nodes it has is 409 NODES_UNCHANGED.
     */
    public static NodeChoice scaled(JobSpec current, ScaleJobRequest request) {
        if (request.targetNodes() == null && request.targetNodeCount() == null) {
            throw ApiException.invalid("targetNodeCount", "give targetNodeCount, or the targetNodes to run on");
        }
        if (!current.targetNodes().isEmpty() && (request.targetNodes() == null || request.targetNodes().isEmpty())) {
            throw ApiException.invalid("targetNodes", "the job names its nodes " + current.targetNodes()
                    + ": name the nodes it runs on from now");
        }
        NodeChoice nodes = nodes(request.targetNodes(), request.targetNodeCount());
        if (Set.copyOf(nodes.targetNodes()).equals(Set.copyOf(current.targetNodes())) && nodes.count() == current.nodeCount()) {
            throw ApiException.conflict("NODES_UNCHANGED", "the job runs on these nodes already");
        }
        return nodes;
    }

    /**
     * The next revision of {@code current} with {@code edit} applied, checked by the same rules as a new job (an edited
     * field is named as in a create request); everything the edit may not change is carried over as it is. Secret env
     * names already set stay set (their values are not in the spec and are not checked again).
     */
    public static JobSpec edited(JobSpec current, EditJobRequest edit, Rules rules) {
        VcsSource vcs = current.vcs();
        CreateJobRequest.Repository repository = vcs == null ? null : new CreateJobRequest.Repository(vcs.repositoryUrl(),
                edit.branch() == null ? vcs.branch() : edit.branch(), vcs.username(), null, vcs.pollIntervalSeconds());
        Map<String, String> secretEnv = new TreeMap<>();
        current.secretEnvNames().forEach(name -> secretEnv.put(name, "set"));
        if (edit.secretEnv() != null) {
            secretEnv.putAll(edit.secretEnv());
        }
        RegistryAuth registry = current.registry();
        HealthCheck check = current.healthCheck();
        Resources resources = current.resources();
        CreateJobRequest.Resources asked = edit.resources();
        String image = edit.image() == null ? current.image() : edit.image();
        CreateJobRequest merged = new CreateJobRequest(current.alias(), current.kind(), image, repository,
                edit.commands() == null ? current.commands() : edit.commands(),
                edit.env() == null ? current.env() : edit.env(), secretEnv,
                edit.port() == null ? current.port() : edit.port(),
                new CreateJobRequest.Resources(asked != null && asked.cpu() != null ? asked.cpu() : resources.cpuMillis() / 1000.0,
                        asked != null && asked.memoryMb() != null ? asked.memoryMb() : (int) resources.memoryMb(),
                        asked != null && asked.gpu() != null ? asked.gpu() : resources.gpus()),
                edit.restartPolicy() == null ? current.restartPolicy() : edit.restartPolicy(),
                edit.healthCheck() != null ? edit.healthCheck() : new CreateJobRequest.HealthCheck(
                        check.mode().name().toLowerCase(Locale.ROOT), check.path(), check.initialDelaySeconds(),
                        check.timeoutSeconds(), check.intervalSeconds()),
                current.targetNodes(), current.targetNodeCount(), current.nodeTags(), current.durationEpochs(),
                current.volumes().stream().map(v -> new CreateJobRequest.Volume(v.name(), v.mountPath())).toList(),
                edit.fileVolumes() != null ? edit.fileVolumes() : current.fileVolumes().stream()
                        .map(f -> new CreateJobRequest.FileVolume(f.name(), f.mountPath(), f.content())).toList(),
                null,
                // Checks that an edited image is still on the registry the job's credentials are for.
                registry == null ? null : new CreateJobRequest.Registry(registry.server(), registry.username(), "set"),
                null, null);
        JobSpec checked = validate(merged, rules);
        VcsSource nextVcs = vcs == null ? null : new VcsSource(vcs.repositoryUrl(), checked.vcs().branch(), vcs.username(),
                vcs.credentialsRef(), vcs.pollIntervalSeconds(), vcs.commit());
        return new JobSpec(current.kind(), current.alias(), checked.image(), nextVcs, checked.commands(), checked.env(),
                checked.secretEnvNames(), checked.port(), checked.resources(), checked.restartPolicy(), checked.healthCheck(),
                current.targetNodes(), current.targetNodeCount(), current.nodeTags(), current.durationEpochs(),
                current.volumes(), checked.fileVolumes(), current.tunnel(), current.registry(), current.egress(),
                current.revision() + 1);
    }

    /**
     * {@code current} with what an edit may change taken from {@code earlier}: a rollback. What an edit may not change
     * ({@link EditJobRequest#NOT_EDITABLE}: where and how long the job runs, what it keeps on its nodes) stays as it is
     * now, so a rollback never brings back nodes since given up (and no longer paid for) or a shorter duration. Same
     * revision as {@code current}.
     */
    public static JobSpec rolledBack(JobSpec current, JobSpec earlier) {
        return new JobSpec(current.kind(), current.alias(), earlier.image(), earlier.vcs(), earlier.commands(), earlier.env(),
                earlier.secretEnvNames(), earlier.port(), earlier.resources(), earlier.restartPolicy(), earlier.healthCheck(),
                current.targetNodes(), current.targetNodeCount(), current.nodeTags(), current.durationEpochs(),
                current.volumes(), earlier.fileVolumes(), current.tunnel(), current.registry(), current.egress(),
                current.revision());
    }

    /** The secret values an edit sets, by secret name (as {@link #secrets}). */
    public static Map<String, String> secrets(EditJobRequest edit) {
        Map<String, String> secrets = new TreeMap<>();
        if (edit.secretEnv() != null) {
            edit.secretEnv().forEach((name, value) -> secrets.put(SECRET_ENV_PREFIX + name, value));
        }
        return secrets;
    }

    /**
     * The secret values of a request that {@link #validate} accepted, by secret name ({@link #VCS_TOKEN},
     * {@link #SECRET_ENV_PREFIX} + variable, {@link #TUNNEL_TOKEN}, {@link #REGISTRY_PASSWORD}).
     */
    public static Map<String, String> secrets(CreateJobRequest request) {
        Map<String, String> secrets = new TreeMap<>();
        if (request.repository() != null && request.repository().token() != null) {
            secrets.put(VCS_TOKEN, request.repository().token());
        }
        if (request.secretEnv() != null) {
            request.secretEnv().forEach((name, value) -> secrets.put(SECRET_ENV_PREFIX + name, value));
        }
        if (request.tunnel() != null && request.tunnel().token() != null) {
            secrets.put(TUNNEL_TOKEN, request.tunnel().token());
        }
        if (request.registry() != null && request.registry().password() != null) {
            secrets.put(REGISTRY_PASSWORD, request.registry().password());
        }
        return secrets;
    }

    private static List<Volume> volumes(List<CreateJobRequest.Volume> requested) {
        List<Volume> volumes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> paths = new HashSet<>();
        List<CreateJobRequest.Volume> list = requested == null ? List.of() : requested;
        if (list.size() > 10) {
            throw ApiException.invalid("volumes", "at most 10 volumes");
        }
        for (int i = 0; i < list.size(); i++) {
            CreateJobRequest.Volume volume = list.get(i);
            String field = "volumes[" + i + "]";
            if (volume == null || volume.name() == null || !VolumeNames.wellFormed(volume.name())) {
                throw ApiException.invalid(field + ".name", "volume names are 1-40 lowercase letters, digits or '-'");
            }
            String path = mountPath(volume.mountPath(), field + ".mountPath");
            if (!names.add(volume.name()) || !paths.add(path)) {
                throw ApiException.invalid(field, "volume names and mount paths must be unique");
            }
            volumes.add(new Volume(volume.name(), path));
        }
        return List.copyOf(volumes);
    }

    private static List<FileVolume> fileVolumes(List<CreateJobRequest.FileVolume> requested, List<Volume> volumes) {
        List<FileVolume> files = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> paths = new HashSet<>(volumes.stream().map(Volume::mountPath).toList());
        List<CreateJobRequest.FileVolume> list = requested == null ? List.of() : requested;
        if (list.size() > 20) {
            throw ApiException.invalid("fileVolumes", "at most 20 file volumes");
        }
        for (int i = 0; i < list.size(); i++) {
            CreateJobRequest.FileVolume file = list.get(i);
            String field = "fileVolumes[" + i + "]";
            if (file == null || file.name() == null || !VolumeNames.wellFormed(file.name())) {
                throw ApiException.invalid(field + ".name", "file volume names are 1-40 lowercase letters, digits or '-'");
            }
            String path = mountPath(file.mountPath(), field + ".mountPath");
            if (file.content() == null || file.content().length() > 1_048_576) {
                throw ApiException.invalid(field + ".content", "content is a string of at most 1 MiB");
            }
            if (!names.add(file.name()) || !paths.add(path)) {
                throw ApiException.invalid(field, "file volume names and mount paths must be unique and not a volume's");
            }
            files.add(new FileVolume(file.name(), path, file.content()));
        }
        return List.copyOf(files);
    }

    /** An absolute, normalised path that does not shadow the system or the job's own source directory. */
    private static String mountPath(String path, String field) {
        if (path == null || !path.startsWith("/") || path.length() > 500 || path.contains("..") || path.contains("//")
                || path.contains(":")) {
            throw ApiException.invalid(field, "mount paths are absolute paths without '..', '//' or ':'");
        }
        String normalised = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (RESERVED_MOUNTS.contains(normalised) || normalised.equals("/app") || normalised.startsWith("/app/")) {
            throw ApiException.invalid(field, "cannot mount over " + normalised);
        }
        return normalised;
    }

    private static Egress egress(String requested, Rules rules) {
        if (requested == null) {
            return Egress.INTERNET;
        }
        Egress egress;
        try {
            egress = Egress.valueOf(requested.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("egress", "egress must be internet (public addresses only), none or all");
        }
        if (egress == Egress.ALL && !rules.allowUnrestrictedEgress()) {
            throw ApiException.invalid("egress", "egress all (private networks too) is not allowed on this platform; "
                    + "use internet or none");
        }
        return egress;
    }

    private static VcsSource repository(CreateJobRequest.Repository repository, Rules rules) {
        if (repository == null) {
            throw ApiException.invalid("repository", "a WAR job needs a repository");
        }
        String url = required(repository.url(), "repository.url");
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("repository.url", "repository.url is not a URL");
        }
        if (uri.getScheme() == null || !REPOSITORY_SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw ApiException.invalid("repository.url", "repository.url must be an https, http or git:// URL");
        }
        if (uri.getHost() == null) {
            throw ApiException.invalid("repository.url", "repository.url needs a host name or address");
        }
        String restriction = TargetAddresses.hostRestriction(uri.getHost());
        if (restriction != null && !rules.allowPrivateRepositories()) {
            throw ApiException.invalid("repository.url", "repository.url points at " + restriction
                    + ": repositories are fetched from public addresses only");
        }
        if (uri.getUserInfo() != null) {
            // Credentials in a URL end up in logs and process lists; they travel only as encrypted secrets.
            throw ApiException.invalid("repository.url", "put credentials in repository.username and a token, not in the URL");
        }
        String branch = repository.branch() == null ? "main" : repository.branch();
        if (!BRANCH.matcher(branch).matches() || branch.contains("..")) {
            throw ApiException.invalid("repository.branch", "repository.branch is not a valid branch name");
        }
        int poll = repository.pollIntervalSeconds() == null ? 60 : repository.pollIntervalSeconds();
        if (poll < 5 || poll > 86_400) {
            throw ApiException.invalid("repository.pollIntervalSeconds", "pollIntervalSeconds must be 5-86400");
        }
        String username = repository.username();
        if (username != null && (username.isBlank() || username.length() > 200 || !PRINTABLE.matcher(username).matches())) {
            throw ApiException.invalid("repository.username", "repository.username is 1-200 printable characters");
        }
        String token = repository.token();
        if (token != null) {
            if (token.isEmpty() || token.length() > 4096 || !PRINTABLE.matcher(token).matches()) {
                throw ApiException.invalid("repository.token", "repository.token is 1-4096 printable characters");
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw ApiException.invalid("repository.token", "a token authenticates over http(s) repository URLs only");
            }
        }
        return new VcsSource(url, branch, username, token == null ? null : VCS_TOKEN, poll);
    }

    /**
     * Absent: the built-in ingress only (null in the spec). A Cloudflare token means a named tunnel, whose public name
     * cloudflared never prints, so its hostname is required; without a token it is a quick tunnel on a random
     * trycloudflare.com name, which takes no hostname. ngrok always needs its authtoken; a hostname is its reserved
     * domain. The token goes to the job's secrets ({@link #secrets}); the spec only names it.
     */
    private static TunnelSettings tunnel(CreateJobRequest.Tunnel tunnel) {
        if (tunnel == null) {
            return null;
        }
        String engine = tunnel.engine() == null ? TunnelSettings.BUILTIN : tunnel.engine().strip().toLowerCase(Locale.ROOT);
        if (!TUNNEL_ENGINES.contains(engine)) {
            throw ApiException.invalid("tunnel.engine", "tunnel.engine must be builtin, cloudflare or ngrok");
        }
        String token = tunnel.token();
        if (token != null && (token.isEmpty() || token.length() > 4096 || !PRINTABLE.matcher(token).matches())) {
            throw ApiException.invalid("tunnel.token", "tunnel.token is 1-4096 printable characters");
        }
        String hostname = tunnel.hostname() == null ? null : tunnel.hostname().strip().toLowerCase(Locale.ROOT);
        if (hostname != null && (!HOSTNAME.matcher(hostname).matches() || hostname.endsWith(".trycloudflare.com"))) {
            throw ApiException.invalid("tunnel.hostname", "tunnel.hostname is a DNS name such as app.example.org, without scheme, "
                    + "port or path (and not a trycloudflare.com name, which a quick tunnel picks itself)");
        }
        switch (engine) {
            case TunnelSettings.BUILTIN:
                if (token != null) {
                    throw ApiException.invalid("tunnel.token", "the built-in ingress takes no token");
                }
                if (hostname != null) {
                    throw ApiException.invalid("tunnel.hostname", "the built-in ingress serves at <alias>.<its domain>; "
                            + "a hostname needs the cloudflare or ngrok engine");
                }
                break;
            case TunnelSettings.CLOUDFLARE:
                if (token != null && hostname == null) {
                    throw ApiException.invalid("tunnel.hostname", "a named Cloudflare tunnel (with a token) needs the public "
                            + "hostname routed to it");
                }
                if (token == null && hostname != null) {
                    throw ApiException.invalid("tunnel.hostname", "a Cloudflare quick tunnel (no token) gets a random "
                            + "trycloudflare.com name; a hostname needs a named tunnel's token");
                }
                break;
            default:
                if (token == null) {
                    throw ApiException.invalid("tunnel.token", "ngrok needs an authtoken in tunnel.token");
                }
                break;
        }
        return new TunnelSettings(engine, hostname, token == null ? null : TUNNEL_TOKEN);
    }

    /**
     * Absent: a public or node-local image (null in the spec). Given: credentials for the one registry {@code image} is
     * on, so the image must name that server; the agent then pulls it with them. The password goes to the job's secrets
     * ({@link #secrets}) and, like every secret, into no message.
     */
    private static RegistryAuth registry(CreateJobRequest.Registry registry, String image) {
        if (registry == null) {
            return null;
        }
        String server = required(registry.server(), "registry.server").toLowerCase(Locale.ROOT);
        var matcher = REGISTRY_SERVER.matcher(server);
        if (!matcher.matches() || (matcher.group("port") != null && !validPort(matcher.group("port")))) {
            throw ApiException.invalid("registry.server", "registry.server is the registry's host or host:port, such as "
                    + "registry.example.org or 10.0.0.5:5000, without scheme or path");
        }
        // Docker reads a first path component without '.' or ':' (other than localhost) as a Docker Hub namespace, so
        // such a "server" would never be asked for the image.
        if (!server.contains(".") && !server.contains(":") && !server.equals("localhost")) {
            throw ApiException.invalid("registry.server", "registry.server needs a '.' or a port (or is localhost); the "
                    + "engine reads '" + server + "/...' as a Docker Hub namespace");
        }
        if (!image.startsWith(server + "/")) {
            throw ApiException.invalid("registry.server", "the image must be on registry.server: '" + image
                    + "' does not start with '" + server + "/'");
        }
        String username = registry.username();
        if (username == null || username.isEmpty()) {
            throw ApiException.invalid("registry.username", "registry.username is required with a registry");
        }
        if (username.length() > 200 || !PRINTABLE.matcher(username).matches()) {
            throw ApiException.invalid("registry.username", "registry.username is 1-200 printable characters");
        }
        String password = registry.password();
        if (password == null || password.isEmpty()) {
            throw ApiException.invalid("registry.password", "registry.password is required with a registry");
        }
        if (password.length() > 4096 || !NO_CONTROL.matcher(password).matches()) {
            throw ApiException.invalid("registry.password", "registry.password is 1-4096 characters without control characters");
        }
        return new RegistryAuth(server, username, REGISTRY_PASSWORD);
    }

    private static boolean validPort(String digits) {
        int port = Integer.parseInt(digits);
        return port >= 1 && port <= 65535;
    }

    private static Resources resources(CreateJobRequest.Resources resources) {
        if (resources == null) {
            return new Resources(1000, 512, 0);
        }
        double cpu = resources.cpu() == null ? 1.0 : resources.cpu();
        if (!(cpu >= 0.1 && cpu <= 64)) {
            throw ApiException.invalid("resources.cpu", "resources.cpu must be 0.1-64 cores");
        }
        int memory = resources.memoryMb() == null ? 512 : resources.memoryMb();
        if (memory < 64 || memory > 262_144) {
            throw ApiException.invalid("resources.memoryMb", "resources.memoryMb must be 64-262144");
        }
        int gpu = resources.gpu() == null ? 0 : resources.gpu();
        if (gpu < 0 || gpu > 16) {
            throw ApiException.invalid("resources.gpu", "resources.gpu must be 0-16");
        }
        return new Resources(Math.round(cpu * 1000), memory, gpu);
    }

    private static HealthCheck healthCheck(CreateJobRequest.HealthCheck check) {
        if (check == null) {
            return HealthCheck.DEFAULT;
        }
        HealthCheck.Mode mode;
        try {
            mode = check.mode() == null ? HealthCheck.Mode.TCP : HealthCheck.Mode.valueOf(check.mode().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("healthCheck.mode", "healthCheck.mode must be tcp, http or none");
        }
        String path = check.path();
        if (mode == HealthCheck.Mode.HTTP) {
            path = path == null ? HealthCheck.DEFAULT_HTTP_PATH : path;
            if (!path.startsWith("/") || path.length() > 500) {
                throw ApiException.invalid("healthCheck.path", "healthCheck.path must start with '/'");
            }
        }
        int delay = check.initialDelaySeconds() == null ? 0 : check.initialDelaySeconds();
        if (delay < 0 || delay > 3600) {
            throw ApiException.invalid("healthCheck.initialDelaySeconds", "healthCheck.initialDelaySeconds must be 0-3600");
        }
        int timeout = check.timeoutSeconds() == null ? HealthCheck.DEFAULT.timeoutSeconds() : check.timeoutSeconds();
        if (timeout < 1 || timeout > 3600) {
            throw ApiException.invalid("healthCheck.timeoutSeconds", "healthCheck.timeoutSeconds must be 1-3600");
        }
        int interval = check.intervalSeconds() == null ? HealthCheck.DEFAULT.intervalSeconds() : check.intervalSeconds();
        if (interval < 1 || interval > 3600) {
            throw ApiException.invalid("healthCheck.intervalSeconds", "healthCheck.intervalSeconds must be 1-3600");
        }
        return new HealthCheck(mode, path, delay, timeout, interval);
    }

    private static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.invalid(field, field + " is required");
        }
        return value.strip();
    }
}
