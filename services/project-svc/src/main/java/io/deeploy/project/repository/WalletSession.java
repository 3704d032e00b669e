package io.deeploy.project.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A wallet's sign-in session: its token acts as the wallet until {@code expiresAt}. Only the token's SHA-256 is stored. */
@Entity
@Table(name = "wallet_session")
public class WalletSession {

    @Id
    public String id;

    @Column(nullable = false)
    public String address;

    @Column(name = "token_hash", nullable = false)
    public String tokenHash;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;
}
