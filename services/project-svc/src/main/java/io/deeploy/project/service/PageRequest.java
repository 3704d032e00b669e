package io.deeploy.project.service;

import java.util.List;
import java.util.function.Function;

/**
 * Which page of a list a client asks for: at most {@code size} items after the item {@code after} (an id; none: from the
 * first). Every list of the API pages this way, by key rather than offset, so a page costs the same however deep it is.
 */
public record PageRequest(int size, String after) {

    /** The longest page, and the length of one when the client names none. */
    public static final int MAX_SIZE = 500;
    public static final int DEFAULT_SIZE = 100;

    /** The page a request's {@code limit} and {@code after} parameters ask for; a 400 naming {@code limit} if it is not one. */
    public static PageRequest of(String limit, String after) {
        int size;
        try {
            size = limit == null ? DEFAULT_SIZE : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size < 1 || size > MAX_SIZE) {
            throw ApiException.invalid("limit", "limit is a whole number from 1 to " + MAX_SIZE);
        }
        return new PageRequest(size, after == null || after.isEmpty() ? null : after);
    }

    /** How many to fetch: one more than the page holds, which tells whether another page follows. */
    public int fetch() {
        return size + 1;
    }

    /** What of {@code fetched} ({@link #fetch} items at most) the page shows. */
    public <T> List<T> shown(List<T> fetched) {
        return fetched.size() > size ? fetched.subList(0, size) : fetched;
    }

    /** The next page's {@code after}: the id of the page's last item when more were fetched than it shows, else null. */
    public <T> String nextAfter(List<T> fetched, Function<T, String> id) {
        return fetched.size() > size ? id.apply(fetched.get(size - 1)) : null;
    }

    /** A page of a list: its items, and the {@code after} of the next page (null on the last). */
    public record Page<V>(List<V> items, String nextAfter) {
    }
}
