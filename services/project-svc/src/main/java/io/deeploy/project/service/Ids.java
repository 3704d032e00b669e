package io.deeploy.project.service;

import java.util.regex.Pattern;

/**
 * The form of the ids this service hands out ({@code prj-}, {@code job-}, {@code tok-} and a UUID). An id of any other
 * form names nothing, so it is answered as missing before it reaches the database, which refuses some bytes (NUL) with
 * an error rather than an empty result.
 */
final class Ids {

    static final Pattern FORM = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Ids() {
    }

    static boolean wellFormed(String id) {
        return id != null && FORM.matcher(id).matches();
    }
}
