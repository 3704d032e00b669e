package io.deeploy.project.rest;

import io.deeploy.project.service.PageRequest;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.List;

/**
 * How every list of the API answers: the page's items as a JSON array and, while more follow, a
 * {@code Link: </api/...?after=...&limit=...>; rel="next"} header (as GitHub's and GitLab's APIs do), relative so that a
 * client signs it as it signs any path.
 */
final class Pages {

    private Pages() {
    }

    static Response ok(UriInfo uri, PageRequest request, PageRequest.Page<?> page, List<?> items) {
        Response.ResponseBuilder answer = Response.ok(items);
        if (page.nextAfter() != null) {
            URI next = uri.getRequestUriBuilder().replaceQueryParam("after", page.nextAfter())
                    .replaceQueryParam("limit", request.size()).build();
            answer.link(URI.create(next.getRawPath() + "?" + next.getRawQuery()), "next");
        }
        return answer.build();
    }
}
