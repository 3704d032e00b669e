package io.deeploy.events;

import java.util.regex.Pattern;

/**
 * The form of a job's volume and file volume names: project-svc refuses a job with any other, and the agent checks it
 * again where a name becomes a path or an engine volume's name (an event is not trusted to hold only what was checked).
 */
public final class VolumeNames {

    /** Lower-case letters, digits and '-', not starting with '-', 40 characters at most. */
    public static final Pattern FORM = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

    private VolumeNames() {
    }

    public static boolean wellFormed(String name) {
        return name != null && FORM.matcher(name).matches();
    }

    /** {@code name}, if well formed; otherwise an IllegalArgumentException naming {@code what} ("volume", "file volume"). */
    public static String checked(String name, String what) {
        if (!wellFormed(name)) {
            throw new IllegalArgumentException("not a " + what + " name: '" + name + "'");
        }
        return name;
    }
}
