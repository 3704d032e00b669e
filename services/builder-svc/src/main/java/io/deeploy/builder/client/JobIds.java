package io.deeploy.builder.client;

import java.util.regex.Pattern;

/**
 * The agent turns job ids and volume names from job events into paths and engine names. Events come from the platform's
 * own services, but a path built from a value with '/', '..' or ':' would reach outside the job, so each value is
 * checked where it becomes a path or a name.
 */
public final class JobIds {

    /** project-svc's ids are "job-" and a UUID; this admits them and anything else without separators or dots. */
    static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    /** project-svc's volume and file volume names. */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

    private JobIds() {
    }

    public static String checked(String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
            throw new IllegalArgumentException("not a job id: '" + jobId + "'");
        }
        return jobId;
    }

    public static String checkedName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a " + what + " name: '" + name + "'");
        }
        return name;
    }
}
