// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.28;

import {IERC20} from "./IERC20.sol";

/// @title Deeploy escrow
/// @notice Holds the prepaid budget of every Deeploy job and pays node operators per attested node-epoch.
///
/// Rules (README.md explains them at more length):
/// - Time is cut into epochs of `epochLength` seconds counted from `genesis` (the deployment block's timestamp).
/// - Price: a job type has a price per node per epoch; buying N nodes for E epochs costs price * N * E
///   (`quote`). The owner pays with transferFrom after an ERC-20 approve. The price is fixed in the job when
///   it is created.
/// - Two platform roles with separate keys: the activator starts jobs, moves node sets and may close any job;
///   the settler attests uptime. Neither alone can pay an address of its choosing. The admin replaces them in
///   two steps, `ROLE_DELAY_EPOCHS` epochs apart, so owners see a change coming and can close first.
/// - A job is Funded until the activator activates it. Paid epochs run from the activation epoch
///   (`startEpoch`) to `endEpoch` (exclusive); the activation epoch is paid pro rata, for the part of it left
///   at activation (`epochPrice`); before activation nothing is spent and the owner can redeem everything.
/// - Settlement: after an epoch has ended the settler reports each (job, epoch, node) once with its uptime,
///   within `settleWindowEpochs` epochs. Uptime >= `uptimeThresholdBps`: the node is credited the epoch's price
///   (it claims later). Below: nothing is paid and the amount stays in the job, for the owner.
///   At most `nodesAt(job, epoch)` nodes are paid for an epoch.
/// - Close (owner, redeem delegate or activator any time; anyone once the job has expired) refunds at once
///   the epochs not yet begun and keeps the begun ones for settlement: the job ends after its current epoch.
///   Once the settle window of its last epoch is over, anyone releases the rest (withheld shares and
///   epochs never settled) to the owner. Whoever closes or releases, the refund goes to the owner only.
/// - Failover: the activator replaces the node set with `updateNodes`. The new set applies from the current
///   epoch; the previous set stays eligible for the current epoch too (both worked in it), so in a failover
///   epoch old and new nodes may be attested, and the per-epoch cap still bounds what is paid.
contract DeeployEscrow {
    // ------------------------------------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------------------------------------

    /// @dev Transitions:
    ///      None   -> Funded  createJob / createJobFor (owner or create delegate; pays the quote)
    ///      Funded -> Active  activate (activator; startEpoch = current epoch, paid pro rata)
    ///      Funded -> Ended   redeemJob or closeJob (owner, redeem delegate; closeJob also the activator);
    ///                        refunds everything
    ///      Active -> Closed  closeJob (owner, redeem delegate or activator any time, anyone from endEpoch on);
    ///                        refunds the epochs not yet begun, endEpoch becomes the end of the current epoch
    ///      Active, Closed -> Ended  releaseJob (anyone, from endEpoch + settleWindowEpochs on); refunds the rest
    ///      extendJob, addNodes and removeNodes keep the state (Funded or Active, not expired).
    enum JobState {
        None, // 0: no such job
        Funded, // 1: paid for, not yet activated
        Active, // 2: activated
        Closed, // 3: no epoch after endEpoch; its begun epochs can still be settled within the window
        Ended // 4: released or redeemed; holds nothing
    }

    struct JobType {
        uint32 cpuMillis;
        uint32 memoryMb;
        uint128 pricePerEpoch; // token units (6 decimals) per node per epoch
        bool exists;
    }

    /// @dev Storage layout: slot 0 owner, jobType, state, nodes, epochs; slot 1 startEpoch, endEpoch, price;
    ///      slot 2 deposited, paid; slot 3 refunded, firstEpochPrice; slot 4 projectHash. `_charge` keeps
    ///      amounts below 2^128.
    struct Job {
        address owner;
        uint8 jobType;
        JobState state;
        uint32 nodes; // nodes bought for the latest epochs (see _nodeCounts for the history)
        uint32 epochs; // epochs bought in total
        uint64 startEpoch; // activation epoch; meaningful once endEpoch != 0
        uint64 endEpoch; // exclusive; 0 until activated
        uint128 pricePerEpoch;
        uint128 deposited;
        uint128 paid; // credited to node operators
        uint128 refunded;
        uint128 firstEpochPrice; // per node, for startEpoch: the part of it left at activation
        bytes32 projectHash;
    }

    /// @dev From `fromEpoch` on (until the next checkpoint) the job has bought `nodes` nodes per epoch.
    struct NodeCount {
        uint64 fromEpoch;
        uint32 nodes;
    }

    /// @dev A version of a job's node set; it applies from `fromEpoch` through the next version's fromEpoch
    ///      (inclusive: in the epoch of a change both the outgoing and the incoming set are eligible).
    struct NodeSet {
        uint64 fromEpoch;
        address[] nodes;
    }

    struct Settlement {
        uint256 jobId;
        uint64 epoch;
        address node;
        uint16 uptimeBps;
    }

    // ------------------------------------------------------------------------------------------------
    // Constants
    // ------------------------------------------------------------------------------------------------

    uint8 public constant PERM_CREATE = 1;
    uint8 public constant PERM_EXTEND = 2;
    uint8 public constant PERM_NODES = 4; // add and remove nodes
    uint8 public constant PERM_REDEEM = 8; // redeem and close
    uint8 private constant PERM_ALL = 15;

    uint16 public constant MAX_BPS = 10_000;

    /// @notice Epochs between the admin proposing new activator and settler keys and the keys taking over:
    ///         time for owners to see the change coming (RolesProposed) and close their jobs first.
    uint256 public constant ROLE_DELAY_EPOCHS = 2;

    // Reasons in SettlementSkipped.
    uint8 public constant SKIP_UNKNOWN_JOB = 1;
    uint8 public constant SKIP_NOT_ACTIVE = 2; // funded, never activated
    uint8 public constant SKIP_JOB_CLOSED = 3; // ended (released or redeemed)
    uint8 public constant SKIP_INVALID_UPTIME = 4; // uptimeBps > 10000
    uint8 public constant SKIP_EPOCH_NOT_ENDED = 5; // current or future epoch
    uint8 public constant SKIP_EPOCH_OUT_OF_RANGE = 6; // before startEpoch or at/after endEpoch
    uint8 public constant SKIP_ALREADY_SETTLED = 7;
    uint8 public constant SKIP_NODE_NOT_ASSIGNED = 8; // not in the job's node set for that epoch
    uint8 public constant SKIP_EPOCH_FULL = 9; // the epoch already paid as many nodes as were bought
    uint8 public constant SKIP_WINDOW_OVER = 10; // more than settleWindowEpochs epochs after the epoch ended

    // ------------------------------------------------------------------------------------------------
    // State
    // ------------------------------------------------------------------------------------------------

    IERC20 public immutable token;
    uint256 public immutable genesis;
    uint64 public immutable epochLength;
    uint16 public immutable uptimeThresholdBps;
    /// @notice Epochs after an epoch ends during which it can be settled; a closed job's rest is released after.
    uint64 public immutable settleWindowEpochs;

    address public admin;
    /// @notice Activates jobs, moves node sets, may close any job (the refund goes to its owner).
    address public activator;
    /// @notice Settles node-epochs.
    address public settler;
    /// @notice Keys proposed by the admin, and from when `applyRoles` may install them (0: none proposed).
    address public pendingActivator;
    address public pendingSettler;
    uint256 public pendingRolesFrom;

    /// @notice Sum over jobs of (deposited - paid - refunded): money still held for jobs.
    uint128 public totalHeld;
    /// @notice Sum of node operators' unclaimed credit.
    uint128 public totalClaimable;

    /// @notice Number of jobs created; job ids run from 1 to jobCount.
    uint256 public jobCount;

    mapping(uint8 id => JobType) private _jobTypes;
    uint8[] private _jobTypeIds;

    mapping(uint256 jobId => Job) private _jobs;
    mapping(uint256 jobId => NodeCount[]) private _nodeCounts;
    mapping(uint256 jobId => NodeSet[]) private _nodeSets;
    mapping(uint256 jobId => mapping(uint256 version => mapping(address node => bool))) private _inNodeSet;
    /// @dev Settled marks (paid or withheld), one bit per epoch: (job, node, epoch / 256) -> bits. A node's
    ///      consecutive epochs share a slot, so settling writes a fresh slot once in 256 epochs, not every time.
    mapping(uint256 jobId => mapping(address node => mapping(uint256 word => uint256 bits))) private _settledBits;
    /// @dev Nodes paid per epoch, eight 32-bit counters per slot: (job, epoch / 8) -> counts (epoch % 8 picks one).
    mapping(uint256 jobId => mapping(uint256 word => uint256 counts)) private _paidCounts;

    /// @dev Request ids are kept per (owner, creator): a delegate's ids never collide with the owner's, so a
    ///      delegate cannot take the owner's future ids with tiny jobs and make the owner's creates revert.
    mapping(address owner => mapping(address creator => mapping(bytes32 requestId => uint256 jobId))) private
        _requests;

    /// @notice Permission bits an owner granted a delegate: 1 create, 2 extend, 4 nodes, 8 redeem/close.
    mapping(address owner => mapping(address delegate => uint8 permissions)) public delegatePermissions;

    /// @notice Credit a node operator can claim.
    mapping(address node => uint256) public claimable;

    bool private transient _entered;

    // ------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------

    event JobCreated(
        uint256 indexed jobId,
        address indexed owner,
        uint8 jobType,
        uint32 nodes,
        uint32 epochs,
        uint256 amount,
        bytes32 requestId
    );
    /// @param endEpoch the new end (exclusive), or 0 while the job is not yet active
    event JobExtended(uint256 indexed jobId, uint32 extraEpochs, uint32 epochs, uint64 endEpoch, uint256 amount);
    /// @param fromEpoch first epoch with the extra nodes, or 0 while the job is not yet active (all epochs)
    event NodesAdded(uint256 indexed jobId, uint32 extraNodes, uint32 nodes, uint64 fromEpoch, uint256 amount);
    event NodesRemoved(uint256 indexed jobId, uint32 fewerNodes, uint32 nodes, uint64 fromEpoch, uint256 refund);
    event JobActivated(uint256 indexed jobId, uint64 startEpoch, address[] nodes);
    event NodesUpdated(uint256 indexed jobId, uint64 fromEpoch, address[] nodes);
    /// @param refund what went back at once (the epochs not yet begun); endEpoch the job's end now (0: never active)
    event JobClosed(uint256 indexed jobId, uint256 refund, uint64 endEpoch);
    event JobRedeemed(uint256 indexed jobId, uint256 refund);
    /// @param refund what the job still held after the settle window: withheld shares and unsettled epochs
    event JobReleased(uint256 indexed jobId, uint256 refund);
    /// @param paid the amount credited to the node, 0 when uptime was below the threshold
    event EpochSettled(
        uint256 indexed jobId, uint64 indexed epoch, address indexed node, uint256 paid, uint16 uptimeBps
    );
    event SettlementSkipped(uint256 indexed jobId, uint64 epoch, address node, uint8 reason);
    event Claimed(address indexed node, uint256 amount);
    event DelegateSet(address indexed owner, address indexed delegate, uint8 permissions);
    event JobTypeAdded(uint8 indexed id, uint32 cpuMillis, uint32 memoryMb, uint128 pricePerEpoch);
    event RolesProposed(address indexed activator, address indexed settler, uint256 effectiveFrom);
    event RolesChanged(address indexed activator, address indexed settler);
    event AdminChanged(address indexed previousAdmin, address indexed newAdmin);

    // ------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------

    error ZeroAddress();
    error NotAContract(address account);
    error InvalidEpochLength();
    error InvalidThreshold(uint16 uptimeThresholdBps);
    error NotAdmin(address caller);
    error NotActivator(address caller);
    error NotSettler(address caller);
    error SameRoleKey(address account);
    error InvalidSettleWindow();
    error NoRolesProposed();
    error RolesNotDue(uint256 effectiveFrom);
    error SettleWindowOpen(uint256 jobId, uint64 releasableFromEpoch);
    error NotAuthorized(address caller, uint8 permission);
    error UnknownJobType(uint8 jobType);
    error JobTypeExists(uint8 jobType);
    error InvalidPrice();
    error ZeroNodes();
    error ZeroEpochs();
    error AmountTooLarge(uint256 amount);
    error DuplicateRequest(uint256 jobId);
    error UnknownJob(uint256 jobId);
    error InvalidJobState(uint256 jobId, JobState state);
    error JobExpired(uint256 jobId, uint64 endEpoch);
    error NoEpochsLeft(uint256 jobId);
    error JobNotExpired(uint256 jobId, uint64 endEpoch);
    error EmptyNodeSet();
    error TooManyNodes(uint256 count, uint32 bought);
    error TooFewNodes(uint32 fewerNodes, uint32 bought);
    error DuplicateNode(address node);
    error InvalidDelegate(address delegate);
    error InvalidPermissions(uint8 permissions);
    error NothingToClaim();
    error TransferFailed();
    error Reentrancy();

    // ------------------------------------------------------------------------------------------------
    // Modifiers
    // ------------------------------------------------------------------------------------------------

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    modifier onlyActivator() {
        if (msg.sender != activator) revert NotActivator(msg.sender);
        _;
    }

    modifier onlySettler() {
        if (msg.sender != settler) revert NotSettler(msg.sender);
        _;
    }

    /// @dev Every function that moves tokens carries it; they also follow checks-effects-interactions.
    modifier nonReentrant() {
        if (_entered) revert Reentrancy();
        _entered = true;
        _;
        _entered = false;
    }

    // ------------------------------------------------------------------------------------------------
    // Construction and administration
    // ------------------------------------------------------------------------------------------------

    constructor(
        address tokenAddress,
        address activatorAddress,
        address settlerAddress,
        uint64 epochLengthSeconds,
        uint16 thresholdBps,
        uint64 settleWindow
    ) {
        if (tokenAddress == address(0)) revert ZeroAddress();
        if (tokenAddress.code.length == 0) revert NotAContract(tokenAddress);
        _checkRoles(activatorAddress, settlerAddress);
        if (epochLengthSeconds == 0) revert InvalidEpochLength();
        if (thresholdBps > MAX_BPS) revert InvalidThreshold(thresholdBps);
        if (settleWindow == 0) revert InvalidSettleWindow();
        token = IERC20(tokenAddress);
        activator = activatorAddress;
        settler = settlerAddress;
        admin = msg.sender;
        genesis = block.timestamp;
        epochLength = epochLengthSeconds;
        uptimeThresholdBps = thresholdBps;
        settleWindowEpochs = settleWindow;
        emit AdminChanged(address(0), msg.sender);
        emit RolesChanged(activatorAddress, settlerAddress);

        // The seed system's price table, per node per epoch in 6-decimal units; memory in MiB.
        _addJobType(53, 250, 512, 100_000); // MICRO   0.25 cpu / 512m  0.10
        _addJobType(54, 500, 1024, 166_700); // LITE    0.5 cpu  / 1g    0.1667
        _addJobType(1, 1000, 2048, 375_000); // ENTRY   1 cpu    / 2g    0.375
        _addJobType(2, 2000, 4096, 750_000); // LOW1    2 cpu    / 4g    0.75
        _addJobType(3, 2000, 8192, 1_000_000); // LOW2    2 cpu    / 8g    1.00
        _addJobType(4, 3000, 12_288, 1_916_700); // MED1    3 cpu    / 12g   1.9167
        _addJobType(5, 6000, 14_336, 2_916_700); // MED2    6 cpu    / 14g   2.9167
        _addJobType(6, 8000, 22_528, 3_750_000); // HIGH1   8 cpu    / 22g   3.75
        _addJobType(7, 12_000, 30_720, 5_333_300); // HIGH2   12 cpu   / 30g   5.3333
        _addJobType(8, 16_000, 63_488, 8_333_300); // ULTRA1  16 cpu   / 62g   8.3333
        _addJobType(9, 22_000, 126_976, 12_500_000); // ULTRA2  22 cpu   / 124g  12.5
    }

    function addJobType(uint8 id, uint32 cpuMillis, uint32 memoryMb, uint128 pricePerEpoch) external onlyAdmin {
        _addJobType(id, cpuMillis, memoryMb, pricePerEpoch);
    }

    /// @notice First step of replacing the activator and settler keys: they take over with `applyRoles` once
    ///         ROLE_DELAY_EPOCHS epochs have passed. A new proposal replaces a pending one and starts the delay again.
    function proposeRoles(address newActivator, address newSettler) external onlyAdmin {
        _checkRoles(newActivator, newSettler);
        uint256 effectiveFrom = block.timestamp + ROLE_DELAY_EPOCHS * epochLength;
        pendingActivator = newActivator;
        pendingSettler = newSettler;
        pendingRolesFrom = effectiveFrom;
        emit RolesProposed(newActivator, newSettler, effectiveFrom);
    }

    /// @notice Second step: anyone installs the proposed keys once their delay is over.
    function applyRoles() external {
        uint256 effectiveFrom = pendingRolesFrom;
        if (effectiveFrom == 0) revert NoRolesProposed();
        if (block.timestamp < effectiveFrom) revert RolesNotDue(effectiveFrom);
        activator = pendingActivator;
        settler = pendingSettler;
        delete pendingActivator;
        delete pendingSettler;
        delete pendingRolesFrom;
        emit RolesChanged(activator, settler);
    }

    /// @notice Withdraws a proposal before it is applied.
    function cancelRoles() external onlyAdmin {
        if (pendingRolesFrom == 0) revert NoRolesProposed();
        delete pendingActivator;
        delete pendingSettler;
        delete pendingRolesFrom;
    }

    function transferAdmin(address newAdmin) external onlyAdmin {
        if (newAdmin == address(0)) revert ZeroAddress();
        emit AdminChanged(admin, newAdmin);
        admin = newAdmin;
    }

    function _checkRoles(address newActivator, address newSettler) private pure {
        if (newActivator == address(0) || newSettler == address(0)) revert ZeroAddress();
        if (newActivator == newSettler) revert SameRoleKey(newActivator);
    }

    function _addJobType(uint8 id, uint32 cpuMillis, uint32 memoryMb, uint128 pricePerEpoch) private {
        if (_jobTypes[id].exists) revert JobTypeExists(id);
        if (pricePerEpoch == 0) revert InvalidPrice();
        _jobTypes[id] = JobType(cpuMillis, memoryMb, pricePerEpoch, true);
        _jobTypeIds.push(id);
        emit JobTypeAdded(id, cpuMillis, memoryMb, pricePerEpoch);
    }

    // ------------------------------------------------------------------------------------------------
    // Delegates
    // ------------------------------------------------------------------------------------------------

    /// @notice Grants `delegate` the given permission bits over the caller's jobs (0 revokes):
    ///         1 create (createJobFor), 2 extend, 4 add and remove nodes, 8 redeem and close.
    ///         A delegate only acts: the owner always pays (from its own allowance) and receives refunds.
    function setDelegate(address delegate, uint8 permissions) external {
        if (delegate == address(0) || delegate == msg.sender) revert InvalidDelegate(delegate);
        if (permissions > PERM_ALL) revert InvalidPermissions(permissions);
        delegatePermissions[msg.sender][delegate] = permissions;
        emit DelegateSet(msg.sender, delegate, permissions);
    }

    function _authorize(address owner, uint8 permission) private view {
        if (msg.sender != owner && delegatePermissions[owner][msg.sender] & permission == 0) {
            revert NotAuthorized(msg.sender, permission);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Owner side: create, extend, add and remove nodes, redeem, close
    // ------------------------------------------------------------------------------------------------

    /// @notice The price of `nodes` nodes of `jobType` for `epochs` epochs, in token units (6 decimals):
    ///         pricePerEpoch(jobType) * nodes * epochs, exact integer arithmetic, no fee, no rounding.
    ///         createJob charges exactly this; reverts for an unknown type, zero nodes or zero epochs.
    function quote(uint8 typeId, uint32 nodes, uint32 epochs) public view returns (uint256) {
        JobType storage t = _jobTypes[typeId];
        if (!t.exists) revert UnknownJobType(typeId);
        if (nodes == 0) revert ZeroNodes();
        if (epochs == 0) revert ZeroEpochs();
        return uint256(t.pricePerEpoch) * nodes * epochs;
    }

    /// @notice Creates and pays for a job owned by the caller. `requestId` is the caller's idempotency key:
    ///         a second call with the same (owner, requestId) reverts with DuplicateRequest(existing job id).
    ///         requestId 0 means "no key". Pulls quote(...) from the caller (approve the escrow first).
    function createJob(uint8 typeId, uint32 nodes, uint32 epochs, bytes32 projectHash, bytes32 requestId)
        external
        returns (uint256 jobId)
    {
        return _createJob(msg.sender, typeId, nodes, epochs, projectHash, requestId);
    }

    /// @notice Like createJob, for `owner` by a delegate with the create bit (or by the owner itself).
    ///         The owner pays (the owner's allowance to the escrow is used) and owns the job. A delegate's
    ///         request ids are its own (`jobIdForDelegateRequest`): they never block the owner's.
    function createJobFor(
        address owner,
        uint8 typeId,
        uint32 nodes,
        uint32 epochs,
        bytes32 projectHash,
        bytes32 requestId
    ) external returns (uint256 jobId) {
        _authorize(owner, PERM_CREATE);
        return _createJob(owner, typeId, nodes, epochs, projectHash, requestId);
    }

    function _createJob(
        address owner,
        uint8 typeId,
        uint32 nodes,
        uint32 epochs,
        bytes32 projectHash,
        bytes32 requestId
    ) private nonReentrant returns (uint256 jobId) {
        if (owner == address(0)) revert ZeroAddress();
        if (requestId != bytes32(0)) {
            uint256 existing = _requests[owner][msg.sender][requestId];
            if (existing != 0) revert DuplicateRequest(existing);
        }
        uint256 amount = quote(typeId, nodes, epochs);

        jobId = ++jobCount;
        Job storage j = _jobs[jobId];
        j.owner = owner;
        j.jobType = typeId;
        j.state = JobState.Funded;
        j.nodes = nodes;
        j.epochs = epochs;
        j.pricePerEpoch = _jobTypes[typeId].pricePerEpoch;
        j.projectHash = projectHash;
        if (requestId != bytes32(0)) _requests[owner][msg.sender][requestId] = jobId;
        _charge(j, amount);
        emit JobCreated(jobId, owner, typeId, nodes, epochs, amount, requestId);
        _pull(owner, amount);
    }

    /// @notice Buys `extraEpochs` more epochs at the job's current node count:
    ///         pricePerEpoch * nodes * extraEpochs. Before activation it lengthens the bought duration;
    ///         once active it moves endEpoch. Not possible once the job has expired or closed.
    function extendJob(uint256 jobId, uint32 extraEpochs) external nonReentrant {
        Job storage j = _job(jobId);
        _authorize(j.owner, PERM_EXTEND);
        if (extraEpochs == 0) revert ZeroEpochs();
        JobState state = j.state;
        if (state != JobState.Funded && state != JobState.Active) revert InvalidJobState(jobId, state);
        if (state == JobState.Active) {
            if (currentEpoch() >= j.endEpoch) revert JobExpired(jobId, j.endEpoch);
            j.endEpoch += extraEpochs;
        }
        j.epochs += extraEpochs;
        uint256 amount = uint256(j.pricePerEpoch) * j.nodes * extraEpochs;
        _charge(j, amount);
        emit JobExtended(jobId, extraEpochs, j.epochs, j.endEpoch, amount);
        _pull(j.owner, amount);
    }

    /// @notice Buys `extraNodes` more nodes for the rest of the job.
    ///         Before activation: for every bought epoch, pricePerEpoch * extraNodes * epochs.
    ///         Once active: from the NEXT epoch (the activator needs time to place them) to endEpoch,
    ///         pricePerEpoch * extraNodes * (endEpoch - currentEpoch - 1); reverts NoEpochsLeft in the last epoch.
    function addNodes(uint256 jobId, uint32 extraNodes) external nonReentrant {
        Job storage j = _job(jobId);
        _authorize(j.owner, PERM_NODES);
        if (extraNodes == 0) revert ZeroNodes();
        uint32 nodes = j.nodes + extraNodes;
        (uint64 fromEpoch, uint256 epochsCharged) = _changeNodes(jobId, j, nodes);
        uint256 amount = uint256(j.pricePerEpoch) * extraNodes * epochsCharged;
        _charge(j, amount);
        emit NodesAdded(jobId, extraNodes, nodes, fromEpoch, amount);
        _pull(j.owner, amount);
    }

    /// @notice Gives up `fewerNodes` of the nodes bought, for the rest of the job, refunded to the owner at once.
    ///         Before activation: pricePerEpoch * fewerNodes * epochs. Once active: from the NEXT epoch on (the nodes
    ///         that serve the current epoch are still paid for it), pricePerEpoch * fewerNodes *
    ///         (endEpoch - currentEpoch - 1); reverts NoEpochsLeft in the last epoch. At least one node stays.
    ///         Who: the owner, a delegate with the nodes bit, or the activator (the platform scales a job down on its
    ///         owner's signed API request, as it closes one). The refund always goes to the owner.
    function removeNodes(uint256 jobId, uint32 fewerNodes) external nonReentrant {
        Job storage j = _job(jobId);
        if (msg.sender != activator) _authorize(j.owner, PERM_NODES);
        if (fewerNodes == 0) revert ZeroNodes();
        if (fewerNodes >= j.nodes) revert TooFewNodes(fewerNodes, j.nodes);
        (uint64 fromEpoch, uint256 epochsRefunded) = _changeNodes(jobId, j, j.nodes - fewerNodes);
        uint256 refund = uint256(j.pricePerEpoch) * fewerNodes * epochsRefunded;
        j.refunded += uint128(refund);
        totalHeld -= uint128(refund);
        emit NodesRemoved(jobId, fewerNodes, j.nodes, fromEpoch, refund);
        _push(j.owner, refund);
    }

    /// @dev Gives a funded or active job `nodes` nodes: for every epoch bought before activation (fromEpoch 0),
    ///      from the next epoch on once active (a change in the same epoch replaces the one before). Returns the
    ///      epochs the change is charged or refunded for; reverts NoEpochsLeft in the last epoch, JobExpired after it.
    function _changeNodes(uint256 jobId, Job storage j, uint32 nodes) private returns (uint64 fromEpoch, uint256 epochs) {
        JobState state = j.state;
        if (state == JobState.Funded) {
            epochs = j.epochs;
        } else if (state == JobState.Active) {
            uint64 endEpoch = j.endEpoch;
            fromEpoch = currentEpoch() + 1;
            if (fromEpoch > endEpoch) revert JobExpired(jobId, endEpoch);
            if (fromEpoch == endEpoch) revert NoEpochsLeft(jobId);
            epochs = endEpoch - fromEpoch;
            NodeCount[] storage counts = _nodeCounts[jobId];
            NodeCount storage last = counts[counts.length - 1];
            if (last.fromEpoch == fromEpoch) last.nodes = nodes;
            else counts.push(NodeCount(fromEpoch, nodes));
        } else {
            revert InvalidJobState(jobId, state);
        }
        j.nodes = nodes;
    }

    /// @notice Full refund of a job that was never activated; the job is closed.
    function redeemJob(uint256 jobId) external nonReentrant {
        Job storage j = _job(jobId);
        _authorize(j.owner, PERM_REDEEM);
        if (j.state != JobState.Funded) revert InvalidJobState(jobId, j.state);
        uint256 refund = _endAndRefund(j);
        emit JobRedeemed(jobId, refund);
        _push(j.owner, refund);
    }

    /// @notice Closes a job. A funded job refunds everything and ends. An active job refunds at once the
    ///         epochs not yet begun and ends after the current epoch (endEpoch = current + 1, or earlier if it
    ///         expired): the begun epochs stay in the job, so the nodes that served them are still paid when
    ///         the settler attests them within the settle window, and what they do not earn comes back with
    ///         `releaseJob`. Who: the owner, a delegate with the redeem bit, or the activator at any time (the
    ///         platform closes a job its owner stopped through its signed API, or whose paid epochs are over);
    ///         anyone once the job has expired. The refund always goes to the owner.
    function closeJob(uint256 jobId) external nonReentrant {
        Job storage j = _job(jobId);
        JobState state = j.state;
        if (state != JobState.Funded && state != JobState.Active) revert InvalidJobState(jobId, state);
        address owner = j.owner;
        uint64 nowEpoch = currentEpoch();
        if (msg.sender != owner && msg.sender != activator && delegatePermissions[owner][msg.sender] & PERM_REDEEM == 0) {
            if (state != JobState.Active) revert NotAuthorized(msg.sender, PERM_REDEEM);
            if (nowEpoch < j.endEpoch) revert JobNotExpired(jobId, j.endEpoch);
        }
        uint256 refund;
        if (state == JobState.Funded) {
            refund = _endAndRefund(j);
        } else {
            uint64 endEpoch = j.endEpoch;
            uint64 newEnd = nowEpoch + 1 < endEpoch ? nowEpoch + 1 : endEpoch;
            // Every epoch from the next one on has the job's latest node count (addNodes and removeNodes
            // checkpoint at most the next epoch), so the epochs not begun cost exactly price * nodes * (endEpoch - newEnd).
            refund = uint256(j.pricePerEpoch) * j.nodes * (endEpoch - newEnd);
            j.endEpoch = newEnd;
            j.state = JobState.Closed;
            j.refunded += uint128(refund);
            totalHeld -= uint128(refund);
        }
        emit JobClosed(jobId, refund, j.endEpoch);
        _push(owner, refund);
    }

    /// @notice Once the settle window of a job's last epoch is over (from endEpoch + settleWindowEpochs on),
    ///         anyone may release what the job still holds to its owner: shares withheld for low uptime and
    ///         epochs never settled. The job ends. Works for a closed job and for one that simply expired.
    function releaseJob(uint256 jobId) external nonReentrant {
        Job storage j = _job(jobId);
        JobState state = j.state;
        if (state != JobState.Active && state != JobState.Closed) revert InvalidJobState(jobId, state);
        uint64 releasableFrom = j.endEpoch + settleWindowEpochs;
        if (currentEpoch() < releasableFrom) revert SettleWindowOpen(jobId, releasableFrom);
        uint256 refund = _endAndRefund(j);
        emit JobReleased(jobId, refund);
        _push(j.owner, refund);
    }

    // ------------------------------------------------------------------------------------------------
    // Platform side: activate and update nodes (activator), settle (settler)
    // ------------------------------------------------------------------------------------------------

    /// @notice Starts a funded job in the current epoch (the first paid epoch) on `nodes`
    ///         (1 to the number of nodes bought, no duplicates). The current epoch is paid pro rata: a node
    ///         earns for it price * (seconds left in it) / epochLength, rounded down; the rest of its price
    ///         stays in the job and goes back to the owner with `releaseJob`.
    function activate(uint256 jobId, address[] calldata nodes) external onlyActivator {
        Job storage j = _job(jobId);
        if (j.state != JobState.Funded) revert InvalidJobState(jobId, j.state);
        if (nodes.length == 0) revert EmptyNodeSet();
        uint64 startEpoch = currentEpoch();
        uint256 secondsLeft = genesis + (uint256(startEpoch) + 1) * epochLength - block.timestamp;
        j.state = JobState.Active;
        j.startEpoch = startEpoch;
        j.endEpoch = startEpoch + j.epochs;
        j.firstEpochPrice = uint128(uint256(j.pricePerEpoch) * secondsLeft / epochLength);
        _nodeCounts[jobId].push(NodeCount(startEpoch, j.nodes));
        _pushNodeSet(jobId, j.nodes, startEpoch, nodes);
        emit JobActivated(jobId, startEpoch, nodes);
    }

    /// @notice Replaces an active job's node set (failover, scaling) from the current epoch on.
    ///         The previous set stays eligible for the current epoch as well. An empty set is allowed
    ///         (no node is serving; nothing can be paid until a new set is given).
    function updateNodes(uint256 jobId, address[] calldata nodes) external onlyActivator {
        Job storage j = _job(jobId);
        if (j.state != JobState.Active) revert InvalidJobState(jobId, j.state);
        uint64 fromEpoch = currentEpoch();
        _pushNodeSet(jobId, j.nodes, fromEpoch, nodes);
        emit NodesUpdated(jobId, fromEpoch, nodes);
    }

    /// @notice Settles (job, epoch, node) entries of active or closed jobs, each within settleWindowEpochs
    ///         epochs after its epoch ended. Each entry is checked on its own; a bad one emits
    ///         SettlementSkipped(jobId, epoch, node, reason) and changes nothing, and the batch goes on.
    ///         A good one marks (job, epoch, node) settled and emits EpochSettled: uptime >= threshold
    ///         credits the node the epoch's price (`epochPrice`); below, paid is 0 and the amount stays in the
    ///         job (released to the owner after the window). Reasons are the SKIP_* constants.
    function settle(Settlement[] calldata batch) external onlySettler {
        uint64 nowEpoch = currentEpoch();
        uint256 paidTotal;
        for (uint256 i; i < batch.length; ++i) {
            Settlement calldata s = batch[i];
            (uint8 reason, uint256 paid) = _settleOne(s, nowEpoch);
            if (reason != 0) {
                emit SettlementSkipped(s.jobId, s.epoch, s.node, reason);
            } else {
                paidTotal += paid;
                emit EpochSettled(s.jobId, s.epoch, s.node, paid, s.uptimeBps);
            }
        }
        if (paidTotal != 0) {
            // Moves money that was held for jobs to node credit; both totals stay below 2^128.
            totalHeld -= uint128(paidTotal);
            totalClaimable += uint128(paidTotal);
        }
    }

    function _settleOne(Settlement calldata s, uint64 nowEpoch) private returns (uint8 reason, uint256 paid) {
        Job storage j = _jobs[s.jobId];
        JobState state = j.state;
        if (state == JobState.None) return (SKIP_UNKNOWN_JOB, 0);
        if (state == JobState.Funded) return (SKIP_NOT_ACTIVE, 0);
        if (state == JobState.Ended) return (SKIP_JOB_CLOSED, 0);
        if (s.uptimeBps > MAX_BPS) return (SKIP_INVALID_UPTIME, 0);
        uint64 epoch = s.epoch;
        if (epoch >= nowEpoch) return (SKIP_EPOCH_NOT_ENDED, 0);
        uint64 startEpoch = j.startEpoch;
        if (epoch < startEpoch || epoch >= j.endEpoch) return (SKIP_EPOCH_OUT_OF_RANGE, 0);
        if (nowEpoch - epoch > settleWindowEpochs) return (SKIP_WINDOW_OVER, 0);
        address node = s.node;
        mapping(uint256 => uint256) storage marks = _settledBits[s.jobId][node];
        uint256 markWord = marks[epoch >> 8];
        uint256 mark = 1 << (epoch & 255);
        if (markWord & mark != 0) return (SKIP_ALREADY_SETTLED, 0);
        if (!_isAssigned(s.jobId, epoch, node)) return (SKIP_NODE_NOT_ASSIGNED, 0);
        if (s.uptimeBps >= uptimeThresholdBps) {
            if (!_countPaid(s.jobId, epoch)) return (SKIP_EPOCH_FULL, 0);
            paid = epoch == startEpoch ? j.firstEpochPrice : j.pricePerEpoch;
            j.paid += uint128(paid);
            claimable[node] += paid;
        }
        marks[epoch >> 8] = markWord | mark;
        return (0, paid);
    }

    /// @dev Counts one more node paid for (job, epoch); false, changing nothing, when the epoch already paid as
    ///      many nodes as were bought for it.
    function _countPaid(uint256 jobId, uint64 epoch) private returns (bool) {
        mapping(uint256 => uint256) storage words = _paidCounts[jobId];
        uint256 counts = words[epoch >> 3];
        uint256 shift = (epoch & 7) * 32;
        if (uint32(counts >> shift) >= _nodeCountAt(jobId, epoch)) return false;
        // Never carries into the next counter: a count stays at most the nodes bought, a uint32.
        words[epoch >> 3] = counts + (1 << shift);
        return true;
    }

    // ------------------------------------------------------------------------------------------------
    // Node operator side
    // ------------------------------------------------------------------------------------------------

    /// @notice Transfers the caller's whole credit to it.
    function claim() external nonReentrant {
        uint256 amount = claimable[msg.sender];
        if (amount == 0) revert NothingToClaim();
        claimable[msg.sender] = 0;
        totalClaimable -= uint128(amount);
        emit Claimed(msg.sender, amount);
        _push(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------

    /// @notice The epoch containing the current block: (block.timestamp - genesis) / epochLength.
    function currentEpoch() public view returns (uint64) {
        return uint64((block.timestamp - genesis) / epochLength);
    }

    /// @notice Timestamp at which `epoch` begins.
    function epochStart(uint64 epoch) external view returns (uint256) {
        return genesis + uint256(epoch) * epochLength;
    }

    function jobType(uint8 id)
        external
        view
        returns (uint32 cpuMillis, uint32 memoryMb, uint128 pricePerEpoch, bool exists)
    {
        JobType storage t = _jobTypes[id];
        return (t.cpuMillis, t.memoryMb, t.pricePerEpoch, t.exists);
    }

    /// @notice Ids of all job types, in the order they were added.
    function jobTypeIds() external view returns (uint8[] memory) {
        return _jobTypeIds;
    }

    /// @notice A job. endEpoch is exclusive (last paid epoch = endEpoch - 1); startEpoch and endEpoch are 0
    ///         until activation. state: 0 none, 1 funded, 2 active, 3 closed, 4 ended.
    ///         Held = deposited - paid - refunded.
    function job(uint256 jobId)
        external
        view
        returns (
            address owner,
            uint8 typeId,
            uint32 nodes,
            uint64 startEpoch,
            uint64 endEpoch,
            uint256 deposited,
            uint256 paid,
            uint256 refunded,
            uint8 state,
            uint32 epochs,
            uint256 pricePerEpoch,
            bytes32 projectHash
        )
    {
        Job storage j = _jobs[jobId];
        return (
            j.owner,
            j.jobType,
            j.nodes,
            j.startEpoch,
            j.endEpoch,
            j.deposited,
            j.paid,
            j.refunded,
            uint8(j.state),
            j.epochs,
            j.pricePerEpoch,
            j.projectHash
        );
    }

    /// @notice Money still held for a job: deposited - paid - refunded (what it may still pay or refund).
    function jobBalance(uint256 jobId) external view returns (uint256) {
        Job storage j = _jobs[jobId];
        return j.deposited - j.paid - j.refunded;
    }

    /// @notice Nodes bought for `epoch` of an activated job; 0 outside [startEpoch, endEpoch) or before activation.
    function nodesAt(uint256 jobId, uint64 epoch) external view returns (uint32) {
        Job storage j = _jobs[jobId];
        if (j.endEpoch == 0 || epoch < j.startEpoch || epoch >= j.endEpoch) return 0;
        return _nodeCountAt(jobId, epoch);
    }

    /// @notice What a node earns for `epoch` of an activated job at or above the threshold: the job's price,
    ///         or for its activation epoch the pro rata part (0 outside the paid range).
    function epochPrice(uint256 jobId, uint64 epoch) external view returns (uint256) {
        Job storage j = _jobs[jobId];
        if (j.endEpoch == 0 || epoch < j.startEpoch || epoch >= j.endEpoch) return 0;
        return epoch == j.startEpoch ? j.firstEpochPrice : j.pricePerEpoch;
    }

    /// @notice The job `owner` created with `requestId` (0 if none).
    function jobIdForRequest(address owner, bytes32 requestId) external view returns (uint256) {
        return _requests[owner][owner][requestId];
    }

    /// @notice The job a delegate (`creator`) created for `owner` with `requestId` (0 if none).
    function jobIdForDelegateRequest(address owner, address creator, bytes32 requestId) external view returns (uint256) {
        return _requests[owner][creator][requestId];
    }

    /// @notice Nodes paid so far for `epoch` of a job.
    function paidNodesAt(uint256 jobId, uint64 epoch) external view returns (uint32) {
        return uint32(_paidCounts[jobId][epoch >> 3] >> ((epoch & 7) * 32));
    }

    function isSettled(uint256 jobId, uint64 epoch, address node) external view returns (bool) {
        return _settledBits[jobId][node][epoch >> 8] & (1 << (epoch & 255)) != 0;
    }

    /// @notice Whether `node` is in the job's node set for `epoch` (either set, in a failover epoch).
    function isAssigned(uint256 jobId, uint64 epoch, address node) external view returns (bool) {
        return _isAssigned(jobId, epoch, node);
    }

    /// @notice The job's current node set (the latest activate/updateNodes).
    function jobNodes(uint256 jobId) external view returns (address[] memory) {
        NodeSet[] storage sets = _nodeSets[jobId];
        if (sets.length == 0) return new address[](0);
        return sets[sets.length - 1].nodes;
    }

    function nodeSetCount(uint256 jobId) external view returns (uint256) {
        return _nodeSets[jobId].length;
    }

    function nodeSetAt(uint256 jobId, uint256 version) external view returns (uint64 fromEpoch, address[] memory nodes) {
        NodeSet storage set = _nodeSets[jobId][version];
        return (set.fromEpoch, set.nodes);
    }

    // ------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------

    function _job(uint256 jobId) private view returns (Job storage j) {
        j = _jobs[jobId];
        if (j.state == JobState.None) revert UnknownJob(jobId);
    }

    /// @dev The only place money enters a job. Keeps every amount and total below 2^128.
    function _charge(Job storage j, uint256 amount) private {
        if (amount > type(uint128).max) revert AmountTooLarge(amount);
        j.deposited += uint128(amount);
        totalHeld += uint128(amount);
    }

    /// @dev Ends a job and books the refund of everything it still holds; the caller transfers it.
    function _endAndRefund(Job storage j) private returns (uint256 refund) {
        refund = j.deposited - j.paid - j.refunded;
        j.state = JobState.Ended;
        j.refunded += uint128(refund);
        totalHeld -= uint128(refund);
    }

    function _pushNodeSet(uint256 jobId, uint32 bought, uint64 fromEpoch, address[] calldata nodes) private {
        if (nodes.length > bought) revert TooManyNodes(nodes.length, bought);
        NodeSet[] storage sets = _nodeSets[jobId];
        uint256 version = sets.length;
        NodeSet storage set = sets.push();
        set.fromEpoch = fromEpoch;
        mapping(address => bool) storage members = _inNodeSet[jobId][version];
        for (uint256 i; i < nodes.length; ++i) {
            address node = nodes[i];
            if (node == address(0)) revert ZeroAddress();
            if (members[node]) revert DuplicateNode(node);
            members[node] = true;
            set.nodes.push(node);
        }
    }

    /// @dev Versions are ordered by fromEpoch. Version k covers [from_k, from_{k+1}] (both ends inclusive),
    ///      the last one [from_last, forever). Walks back from the newest version: recent epochs are cheap.
    function _isAssigned(uint256 jobId, uint64 epoch, address node) private view returns (bool) {
        NodeSet[] storage sets = _nodeSets[jobId];
        uint256 k = sets.length;
        while (k != 0) {
            --k;
            uint64 from = sets[k].fromEpoch;
            if (from > epoch) continue; // starts later; an older version may still cover the epoch
            if (_inNodeSet[jobId][k][node]) return true;
            if (from < epoch) return false; // older versions end at or before `from`
        }
        return false;
    }

    /// @dev Binary search over the node-count checkpoints; the first one is at startEpoch <= epoch.
    function _nodeCountAt(uint256 jobId, uint64 epoch) private view returns (uint32) {
        NodeCount[] storage counts = _nodeCounts[jobId];
        uint256 hi = counts.length;
        if (counts[hi - 1].fromEpoch <= epoch) return counts[hi - 1].nodes;
        uint256 lo;
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (counts[mid].fromEpoch <= epoch) lo = mid;
            else hi = mid;
        }
        return counts[lo].nodes;
    }

    function _pull(address from, uint256 amount) private {
        _callToken(abi.encodeCall(IERC20.transferFrom, (from, address(this), amount)));
    }

    function _push(address to, uint256 amount) private {
        if (amount != 0) _callToken(abi.encodeCall(IERC20.transfer, (to, amount)));
    }

    /// @dev Bubbles the token's own revert (e.g. its insufficient-allowance error) so callers see the cause.
    function _callToken(bytes memory data) private {
        (bool ok, bytes memory result) = address(token).call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        if (result.length != 0 && !abi.decode(result, (bool))) revert TransferFailed();
    }
}
