package io.deeploy.escrow.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A token and escrow pair on one chain, with the watcher's checkpoint for it. */
@Entity
@Table(name = "contract_deployment")
public class ContractDeployment {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "chain_id", nullable = false)
    public long chainId;

    @Column(name = "token_address", nullable = false)
    public String tokenAddress;

    @Column(name = "escrow_address", nullable = false)
    public String escrowAddress;

    /** Activates jobs, moves node sets, closes and releases (the escrow's activator). */
    @Column(name = "activator_address", nullable = false)
    public String activatorAddress;

    /** Settles node-epochs (the escrow's settler). */
    @Column(name = "settler_address")
    public String settlerAddress;

    /** Epochs after an epoch ends during which the escrow accepts its settlement. */
    @Column(name = "settle_window_epochs")
    public Integer settleWindowEpochs;

    /** Seconds. */
    @Column(name = "epoch_length", nullable = false)
    public long epochLength;

    @Column(name = "threshold_bps", nullable = false)
    public int thresholdBps;

    /** Deployed by this service (deploy mode) rather than configured. */
    @Column(name = "deployed_here", nullable = false)
    public boolean deployedHere;

    @Column(name = "deploy_block", nullable = false)
    public long deployBlock;

    /** The first block the watcher has not applied yet. */
    @Column(name = "next_block", nullable = false)
    public long nextBlock;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
