package io.deeploy.project.service;

/**
 * Who is asking, once authenticated: a wallet address proven by a signed request or by its sign-in session, or an API
 * token. A token acts as its project's owner but only within that project and with its permission bits. A session acts
 * as its wallet on projects and jobs, and creates projects, but what only the wallet's own signature may do ({@link
 * ProjectAccess#requireSigner}: deleting a project, tokens, delegates, sessions, nodes, admin decisions) it may not.
 *
 * @param address the signer's lower-case 0x address, or for a token the owner of its project
 * @param sessionId the sign-in session the request came with, or null
 */
public record Caller(String address, String tokenId, String tokenName, String tokenProjectId, int tokenPermissions,
        String sessionId) {

    public static Caller wallet(String address) {
        return new Caller(address, null, null, null, 0, null);
    }

    public static Caller session(String address, String sessionId) {
        return new Caller(address, null, null, null, 0, sessionId);
    }

    public static Caller token(String owner, String tokenId, String tokenName, String projectId, int permissions) {
        return new Caller(owner, tokenId, tokenName, projectId, permissions, null);
    }

    public boolean viaToken() {
        return tokenId != null;
    }

    public boolean viaSession() {
        return sessionId != null;
    }

    /** A request signed by the wallet itself. */
    public boolean signed() {
        return !viaToken() && !viaSession();
    }

    /** Whose commands these are, for idempotency keys: the token's own id or the signer's address. */
    public String principal() {
        return viaToken() ? tokenId : address;
    }

    /** For histories and logs: the address, or the token's name and id (never the token). */
    public String describe() {
        return viaToken() ? "API token '" + tokenName + "' (" + tokenId + ")" : address;
    }
}
