package io.deeploy.project.service;

/**
 * Who is asking, once authenticated: a wallet address proven by a signed request, or an API token. A token acts as its
 * project's owner but only within that project and with its permission bits.
 *
 * @param address the signer's lower-case 0x address, or for a token the owner of its project
 */
public record Caller(String address, String tokenId, String tokenName, String tokenProjectId, int tokenPermissions) {

    public static Caller wallet(String address) {
        return new Caller(address, null, null, null, 0);
    }

    public static Caller token(String owner, String tokenId, String tokenName, String projectId, int permissions) {
        return new Caller(owner, tokenId, tokenName, projectId, permissions);
    }

    public boolean viaToken() {
        return tokenId != null;
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
