package io.deeploy.project.repository;

import io.deeploy.project.service.JobState;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One step of a job's history: from which state to which, why, and the event that caused it. */
@Entity
@Table(name = "job_transition")
public class JobTransition {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "job_id", nullable = false)
    public String jobId;

    @Enumerated(EnumType.STRING)
    @Column(name = "from_state")
    public JobState fromState;

    @Enumerated(EnumType.STRING)
    @Column(name = "to_state", nullable = false)
    public JobState toState;

    @Column(nullable = false)
    public String reason;

    @Column(name = "event_id")
    public UUID eventId;

    @Column(nullable = false)
    public Instant at;
}
