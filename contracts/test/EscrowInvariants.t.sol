// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.28;

import {TestBase, Vm} from "./TestBase.sol";
import {DeeployUSD} from "../src/DeeployUSD.sol";
import {DeeployEscrow} from "../src/DeeployEscrow.sol";

/// @notice Drives the escrow through random sequences of every action (create, extend, add and remove nodes, activate,
///         fail over, settle batches mixing good and bad entries, close at any time, release, redeem, claim,
///         delegates acting within and beyond their bits, role rotation, time passing) and keeps ghost books of
///         every token movement. Calls that must succeed are made directly, and foundry.toml sets
///         fail_on_revert, so any revert (an underflow, a check too strict) fails the run. Calls that must be
///         refused (a stranger, a delegate without the bit, an old or a not-yet-due role key, a release or a
///         rotation before its time) are made through a low-level call, and one that succeeds is counted.
///         What each call must cost or refund is computed here from the rules, not read from the contract.
contract EscrowHandler is TestBase {
    uint64 internal constant EPOCH = 50;
    uint64 internal constant WINDOW = 2;
    uint256 internal constant MAX_JOBS = 64;

    DeeployUSD public immutable token;
    DeeployEscrow public immutable escrow;

    address[3] internal owners = [address(0xA1), address(0xA2), address(0xA3)];
    address[5] internal operators = [address(0xB1), address(0xB2), address(0xB3), address(0xB4), address(0xB5)];
    address[2] internal delegates = [address(0xD1), address(0xD2)];
    address[4] internal roleKeys = [address(0xE1), address(0xE2), address(0xE3), address(0xE4)];
    address internal constant STRANGER = address(0xC1);
    uint8[4] internal types = [53, 1, 4, 9];

    uint256[] public jobIds;
    uint256 internal currentTime;
    uint256 internal requestNonce;
    address[] internal formerRoleKeys;

    // Ghost books: every token movement in or out of the escrow, as the handler observed it.
    uint256 public ghostDeposited;
    uint256 public ghostPaid; // credited to operators by settlement
    uint256 public ghostRefunded;
    uint256 public ghostClaimed;
    mapping(uint256 jobId => uint256) public ghostRefundedUnbegun; // epochs not begun, refunded by close or removeNodes
    mapping(uint256 jobId => uint256) internal activatedAt; // timestamp of the activation

    // Violations the handler saw; each invariant asserts its counter is zero.
    uint256 public doublePayments; // a (job, epoch, node) paid more than once
    uint256 public overpaidEpochs; // an epoch paid more nodes than were bought
    uint256 public badCloses; // a close, release, redeem or node removal that refunded other than the rules say
    uint256 public badCharges; // create/extend/addNodes charged other than the documented price
    uint256 public badSettlements; // paid other than the epoch's price (pro rata for the first), or below threshold
    uint256 public lateSettlements; // an entry paid after its settle window
    uint256 public wrongSkips; // a closed job's served epoch refused as if ended, or an entry in its window as late
    uint256 public refusedCallsThatSucceeded; // an unauthorised or untimely call went through
    string public lastRefusedCallThatSucceeded;
    mapping(bytes32 key => uint256) internal paidTimes;
    mapping(uint256 jobId => mapping(uint64 epoch => uint256)) internal paidPerEpoch;

    uint256 public settledEntries;
    uint256 public skippedEntries;
    uint256[11] public skipsByReason;
    uint256 public closes;
    uint256 public releases;
    uint256 public nodeUpdates;
    uint256 public nodeRemovals;
    uint256 public delegateActions;
    uint256 public refusals;
    uint256 public rotations;

    constructor(DeeployUSD token_, DeeployEscrow escrow_) {
        token = token_;
        escrow = escrow_;
        currentTime = block.timestamp;
        for (uint256 i; i < owners.length; ++i) {
            vm.prank(owners[i]);
            token.approve(address(escrow), type(uint256).max);
        }
    }

    // ------------------------------------------------------------------ owners and their delegates

    /// @dev Usually the owner creates; sometimes a delegate does, with the owner's NEXT request id (the
    ///      squatting attempt): the owner's own create with that id must still go through (fail_on_revert).
    function createJob(uint256 ownerSeed, uint256 typeSeed, uint256 nodesSeed, uint256 epochsSeed) external {
        _syncTime();
        if (jobIds.length >= MAX_JOBS) return;
        address owner = owners[ownerSeed % owners.length];
        uint8 jobType = types[typeSeed % types.length];
        uint32 nodes = uint32(bound(nodesSeed, 1, 3));
        uint32 epochs = uint32(bound(epochsSeed, 1, 6));
        address caller = owner;
        bytes32 requestId = bytes32(++requestNonce);
        if ((ownerSeed >> 8) % 3 == 0) {
            caller = delegates[(ownerSeed >> 16) % delegates.length];
            requestId = bytes32(requestNonce + 1); // the id the owner uses next
        }
        bool allowed = caller == owner || _hasBit(owner, caller, escrow.PERM_CREATE());
        uint256 cost = escrow.quote(jobType, nodes, epochs);
        (,, uint128 price,) = escrow.jobType(jobType);
        if (cost != uint256(price) * nodes * epochs) ++badCharges;
        bytes memory call =
            abi.encodeCall(DeeployEscrow.createJobFor, (owner, jobType, nodes, epochs, bytes32(0), requestId));
        if (!allowed) {
            _mustRefuse(caller, call, "createJobFor without the create bit");
            return;
        }
        uint256 before = token.balanceOf(owner);
        vm.prank(caller);
        uint256 jobId = escrow.createJobFor(owner, jobType, nodes, epochs, bytes32(0), requestId);
        if (before - token.balanceOf(owner) != cost) ++badCharges;
        if (caller != owner) ++delegateActions;
        ghostDeposited += cost;
        jobIds.push(jobId);
    }

    function extendJob(uint256 jobSeed, uint256 extraSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJob(jobSeed);
        if (!found) return;
        (address owner,, uint32 nodes,, uint64 endEpoch,,,, uint8 state,, uint256 price,) = escrow.job(jobId);
        if (state == 2 && escrow.currentEpoch() >= endEpoch) return; // expired
        if (state != 1 && state != 2) return;
        uint32 extra = uint32(bound(extraSeed, 1, 4));
        address caller = _ownerOrDelegate(owner, extraSeed >> 8);
        if (!_mayAct(owner, caller, escrow.PERM_EXTEND(), abi.encodeCall(DeeployEscrow.extendJob, (jobId, extra)))) {
            return;
        }
        uint256 before = token.balanceOf(owner);
        vm.prank(caller);
        escrow.extendJob(jobId, extra);
        uint256 charged = before - token.balanceOf(owner);
        if (charged != price * nodes * extra) ++badCharges;
        ghostDeposited += charged;
    }

    function addNodes(uint256 jobSeed, uint256 extraSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJob(jobSeed);
        if (!found) return;
        (address owner,,,, uint64 endEpoch,,,, uint8 state, uint32 epochs, uint256 price,) = escrow.job(jobId);
        uint256 epochsCharged;
        if (state == 1) {
            epochsCharged = epochs;
        } else if (state == 2) {
            uint64 next = escrow.currentEpoch() + 1;
            if (next >= endEpoch) return; // last epoch or expired
            epochsCharged = endEpoch - next;
        } else {
            return;
        }
        uint32 extra = uint32(bound(extraSeed, 1, 2));
        address caller = _ownerOrDelegate(owner, extraSeed >> 8);
        if (!_mayAct(owner, caller, escrow.PERM_NODES(), abi.encodeCall(DeeployEscrow.addNodes, (jobId, extra)))) {
            return;
        }
        uint256 before = token.balanceOf(owner);
        vm.prank(caller);
        escrow.addNodes(jobId, extra);
        uint256 charged = before - token.balanceOf(owner);
        if (charged != price * extra * epochsCharged) ++badCharges;
        ghostDeposited += charged;
    }

    /// @dev Remove nodes, by the owner, a delegate, the activator, another role key or a stranger. Allowed: the
    ///      owner, a delegate with the nodes bit and the activator. It refunds the removed nodes' epochs not yet
    ///      begun (every epoch before activation, from the next one after it); at least one node stays.
    function removeNodes(uint256 jobSeed, uint256 fewerSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJob(jobSeed);
        if (!found) return;
        (address owner,, uint32 nodes,, uint64 endEpoch,,,, uint8 state, uint32 epochs, uint256 price,) = escrow.job(jobId);
        if (nodes < 2) return;
        uint256 epochsRefunded;
        if (state == 1) {
            epochsRefunded = epochs;
        } else if (state == 2) {
            uint64 next = escrow.currentEpoch() + 1;
            if (next >= endEpoch) return; // last epoch or expired
            epochsRefunded = endEpoch - next;
        } else {
            return;
        }
        uint32 fewer = uint32(bound(fewerSeed, 1, nodes - 1));
        address caller = _anyCaller(owner, fewerSeed >> 8);
        bool allowed = caller == owner || caller == escrow.activator() || _hasBit(owner, caller, escrow.PERM_NODES());
        if (!allowed) {
            _mustRefuse(caller, abi.encodeCall(DeeployEscrow.removeNodes, (jobId, fewer)), "removeNodes by someone not allowed");
            return;
        }
        uint256 before = token.balanceOf(owner);
        vm.prank(caller);
        escrow.removeNodes(jobId, fewer);
        uint256 refund = token.balanceOf(owner) - before;
        if (refund != price * fewer * epochsRefunded) ++badCloses;
        ghostRefunded += refund;
        ghostRefundedUnbegun[jobId] += refund;
        ++nodeRemovals;
    }

    function setDelegate(uint256 ownerSeed, uint256 delegateSeed, uint256 permissionsSeed) external {
        _syncTime();
        address owner = owners[ownerSeed % owners.length];
        vm.prank(owner);
        escrow.setDelegate(delegates[delegateSeed % delegates.length], uint8(permissionsSeed % 16));
    }

    /// @dev Close at any moment by the owner, a delegate, the activator, a former or the pending activator
    ///      key, or a stranger. Allowed: the owner, a delegate with the redeem bit and the current activator
    ///      any time, anyone once the job expired. An active job refunds exactly the epochs not yet begun.
    function closeJob(uint256 jobSeed, uint256 callerSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJob(jobSeed);
        if (!found) return;
        (address owner,,,, uint64 endEpoch,,,, uint8 state,,,) = escrow.job(jobId);
        if (state != 1 && state != 2) return;
        address caller = _anyCaller(owner, callerSeed);
        bool allowed = caller == owner || caller == escrow.activator() || _hasBit(owner, caller, escrow.PERM_REDEEM())
            || (state == 2 && escrow.currentEpoch() >= endEpoch);
        if (!allowed) {
            _mustRefuse(caller, abi.encodeCall(DeeployEscrow.closeJob, (jobId)), "closeJob by someone not allowed");
            return;
        }
        (uint256 expected, uint64 expectedEnd) = _closeExpectation(jobId);
        uint256 before = token.balanceOf(owner);
        vm.prank(caller);
        escrow.closeJob(jobId);
        uint256 refund = token.balanceOf(owner) - before;
        if (refund != expected) ++badCloses;
        if (state == 2 && _endEpochOf(jobId) != expectedEnd) ++badCloses;
        if (state == 1 && escrow.jobBalance(jobId) != 0) ++badCloses;
        ghostRefunded += refund;
        if (state == 2) ghostRefundedUnbegun[jobId] += refund;
        ++closes;
    }

    /// @dev By the rules: a funded job gets everything back (but what removing nodes refunded already); an active one the epochs after the current one,
    ///      at its latest node count, and it ends after the current epoch.
    function _closeExpectation(uint256 jobId) internal view returns (uint256 refund, uint64 newEnd) {
        (,, uint32 nodes,, uint64 endEpoch, uint256 deposited,, uint256 refunded, uint8 state,, uint256 price,) =
            escrow.job(jobId);
        if (state == 1) return (deposited - refunded, 0); // what node removals have not refunded yet
        uint64 nowEpoch = escrow.currentEpoch();
        newEnd = nowEpoch + 1 < endEpoch ? nowEpoch + 1 : endEpoch;
        refund = price * nodes * (endEpoch - newEnd);
    }

    /// @dev A release by anyone: refused until the settle window of the job's last epoch is over, then it
    ///      refunds everything the job holds.
    function releaseJob(uint256 jobSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJob(jobSeed);
        if (!found) return;
        (address owner,,,, uint64 endEpoch,,,, uint8 state,,,) = escrow.job(jobId);
        if (state != 2 && state != 3) return;
        if (escrow.currentEpoch() < endEpoch + WINDOW) {
            _mustRefuse(STRANGER, abi.encodeCall(DeeployEscrow.releaseJob, (jobId)), "releaseJob in the window");
            return;
        }
        uint256 held = escrow.jobBalance(jobId);
        uint256 before = token.balanceOf(owner);
        vm.prank(STRANGER);
        escrow.releaseJob(jobId);
        uint256 refund = token.balanceOf(owner) - before;
        if (refund != held || escrow.jobBalance(jobId) != 0) ++badCloses;
        ghostRefunded += refund;
        ++releases;
    }

    function redeemJob(uint256 jobSeed, uint256 callerSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJob(jobSeed);
        if (!found) return;
        (address owner,,,,, uint256 deposited,, uint256 refunded, uint8 state,,,) = escrow.job(jobId);
        if (state != 1) return;
        address caller = _ownerOrDelegate(owner, callerSeed);
        if (!_mayAct(owner, caller, escrow.PERM_REDEEM(), abi.encodeCall(DeeployEscrow.redeemJob, (jobId)))) return;
        uint256 before = token.balanceOf(owner);
        vm.prank(caller);
        escrow.redeemJob(jobId);
        uint256 refund = token.balanceOf(owner) - before;
        if (refund != deposited - refunded || escrow.jobBalance(jobId) != 0) ++badCloses;
        ghostRefunded += refund;
        ++closes;
    }

    // ------------------------------------------------------------------ the platform's roles

    function activate(uint256 jobSeed, uint256 nodesSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJobIn(jobSeed, 1);
        if (!found) return;
        (,, uint32 nodes,,,,,,,,,) = escrow.job(jobId);
        // Usually all the nodes bought (capped by the operator pool), sometimes fewer.
        address[] memory set = nodesSeed % 4 == 0 ? _nodeSet(nodesSeed, 1, nodes) : _nodeSet(nodesSeed, nodes, nodes);
        vm.prank(escrow.activator());
        escrow.activate(jobId, set);
        activatedAt[jobId] = block.timestamp;
    }

    function updateNodes(uint256 jobSeed, uint256 nodesSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJobIn(jobSeed, 2);
        if (!found) return;
        (,, uint32 nodes,,,,,,,,,) = escrow.job(jobId);
        // Usually a failover (one node of the current set replaced by another operator), sometimes any set.
        address[] memory set = escrow.jobNodes(jobId);
        // A set bigger than the nodes now bought (some were removed) is replaced by one that fits.
        if (nodesSeed % 3 == 0 || set.length == 0 || set.length > nodes) {
            set = _nodeSet(nodesSeed, 0, nodes);
        } else {
            for (uint256 k; k < operators.length; ++k) {
                address candidate = operators[(nodesSeed % operators.length + k) % operators.length];
                if (!_contains(set, candidate)) {
                    set[(nodesSeed >> 8) % set.length] = candidate;
                    break;
                }
            }
        }
        vm.prank(escrow.activator());
        escrow.updateNodes(jobId, set);
        ++nodeUpdates;
    }

    /// @dev A batch of 1..8 entries: mostly plausible ones (a known job, an ended epoch of its paid range, one
    ///      of its nodes, uptime near the threshold on either side), some plainly bad (unknown job, stranger
    ///      node, current or future epoch, uptime over 100%, past the window), and repeats of earlier entries.
    function settle(uint256 seed, uint256 sizeSeed) external {
        _syncTime();
        uint256 size = bound(sizeSeed, 1, 8);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](size);
        for (uint256 i; i < size; ++i) {
            batch[i] = _entry(uint256(keccak256(abi.encode(seed, i))));
        }
        vm.recordLogs();
        vm.prank(escrow.settler());
        escrow.settle(batch);
        _account(vm.getRecordedLogs());
    }

    /// @dev The admin (this handler) proposes new keys, distinct, from a small pool.
    function proposeRoles(uint256 seed) external {
        _syncTime();
        address a = roleKeys[seed % roleKeys.length];
        address s = roleKeys[(seed % roleKeys.length + 1 + (seed >> 8) % (roleKeys.length - 1)) % roleKeys.length];
        escrow.proposeRoles(a, s);
    }

    /// @dev Anyone applies a proposal: refused before its delay, installed after it.
    function applyRoles() external {
        _syncTime();
        uint256 due = escrow.pendingRolesFrom();
        if (due == 0) return;
        if (block.timestamp < due) {
            _mustRefuse(STRANGER, abi.encodeCall(DeeployEscrow.applyRoles, ()), "applyRoles before the delay");
            return;
        }
        address oldActivator = escrow.activator();
        address oldSettler = escrow.settler();
        vm.prank(STRANGER);
        escrow.applyRoles();
        if (escrow.activator() != oldActivator) formerRoleKeys.push(oldActivator);
        if (escrow.settler() != oldSettler) formerRoleKeys.push(oldSettler);
        ++rotations;
    }

    /// @dev Someone without the role (a stranger, an owner, a former key, the other role's key, a proposed
    ///      key not yet due) tries what only the activator, the settler or the admin may do, on a job where
    ///      the right caller would succeed. Every such call must be refused.
    function unauthorisedCall(uint256 seed) external {
        _syncTime();
        address caller = _roleOutsider(seed);
        uint256 pick = (seed >> 16) % 5;
        // One try in three by the other role's key: the settler activating, the activator settling.
        if ((seed >> 40) % 3 == 0 && pick < 2) caller = escrow.settler();
        if ((seed >> 40) % 3 == 0 && pick == 2) caller = escrow.activator();
        if (pick == 0) {
            (bool found, uint256 jobId) = _pickJobIn(seed >> 24, 1);
            if (found && caller != escrow.activator()) {
                _mustRefuse(caller, abi.encodeCall(DeeployEscrow.activate, (jobId, _nodeSet(seed, 1, 1))), "activate");
            }
        } else if (pick == 1) {
            (bool found, uint256 jobId) = _pickJobIn(seed >> 24, 2);
            if (found && caller != escrow.activator()) {
                _mustRefuse(caller, abi.encodeCall(DeeployEscrow.updateNodes, (jobId, _list(caller))), "updateNodes");
            }
        } else if (pick == 2) {
            if (caller != escrow.settler()) {
                DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](1);
                batch[0] = _entry(seed >> 24);
                _mustRefuse(caller, abi.encodeCall(DeeployEscrow.settle, (batch)), "settle");
            }
        } else if (pick == 3) {
            _mustRefuse(caller, abi.encodeCall(DeeployEscrow.proposeRoles, (caller, STRANGER)), "proposeRoles");
        } else {
            // Close a running, unexpired job of someone else.
            (bool found, uint256 jobId) = _pickJobIn(seed >> 24, 2);
            if (!found || caller == escrow.activator()) return;
            (address owner,,,, uint64 endEpoch,,,,,,,) = escrow.job(jobId);
            if (escrow.currentEpoch() >= endEpoch || caller == owner || _hasBit(owner, caller, escrow.PERM_REDEEM())) {
                return;
            }
            _mustRefuse(caller, abi.encodeCall(DeeployEscrow.closeJob, (jobId)), "closeJob by an outsider");
        }
    }

    function claim(uint256 operatorSeed) external {
        _syncTime();
        address operator = operators[operatorSeed % operators.length];
        uint256 amount = escrow.claimable(operator);
        if (amount == 0) return;
        uint256 before = token.balanceOf(operator);
        vm.prank(operator);
        escrow.claim();
        ghostClaimed += token.balanceOf(operator) - before;
    }

    function passTime(uint256 secondsSeed) external {
        currentTime += bound(secondsSeed, 1, EPOCH);
        _syncTime();
    }

    // ------------------------------------------------------------------ views for the invariants

    function jobCount() external view returns (uint256) {
        return jobIds.length;
    }

    function operatorList() external view returns (address[5] memory) {
        return operators;
    }

    function selectors() external pure returns (bytes4[] memory s) {
        s = new bytes4[](16);
        s[0] = this.createJob.selector;
        s[1] = this.extendJob.selector;
        s[2] = this.addNodes.selector;
        s[3] = this.activate.selector;
        s[4] = this.updateNodes.selector;
        s[5] = this.settle.selector;
        s[6] = this.closeJob.selector;
        s[7] = this.redeemJob.selector;
        s[8] = this.claim.selector;
        s[9] = this.passTime.selector;
        s[10] = this.releaseJob.selector;
        s[11] = this.setDelegate.selector;
        s[12] = this.proposeRoles.selector;
        s[13] = this.applyRoles.selector;
        s[14] = this.unauthorisedCall.selector;
        s[15] = this.removeNodes.selector;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Time is kept here and re-applied on every call, so it only moves forward, whatever forge does
    ///      with the block environment between calls.
    function _syncTime() internal {
        vm.warp(currentTime);
    }

    function _mustRefuse(address caller, bytes memory call, string memory what) internal {
        vm.prank(caller);
        (bool ok,) = address(escrow).call(call);
        ++refusals;
        if (ok) {
            ++refusedCallsThatSucceeded;
            lastRefusedCallThatSucceeded = what;
        }
    }

    /// @dev Whether `caller` may act for `owner` with `permission`; a call it may not make is tried anyway and
    ///      must be refused. Returns whether the caller should go on with the call.
    function _mayAct(address owner, address caller, uint8 permission, bytes memory call) internal returns (bool) {
        if (caller == owner) return true;
        if (_hasBit(owner, caller, permission)) {
            ++delegateActions;
            return true;
        }
        _mustRefuse(caller, call, "a delegate acting without the bit");
        return false;
    }

    function _hasBit(address owner, address caller, uint8 permission) internal view returns (bool) {
        return escrow.delegatePermissions(owner, caller) & permission != 0;
    }

    function _ownerOrDelegate(address owner, uint256 seed) internal view returns (address) {
        return seed % 3 == 0 ? delegates[(seed >> 4) % delegates.length] : owner;
    }

    /// @dev The owner, a delegate, the activator, a former or proposed role key, or a stranger.
    function _anyCaller(address owner, uint256 seed) internal view returns (address) {
        uint256 pick = seed % 6;
        if (pick == 0) return owner;
        if (pick == 1) return delegates[(seed >> 8) % delegates.length];
        if (pick == 2) return escrow.activator();
        if (pick == 3) return escrow.settler();
        if (pick == 4) return _roleOutsider(seed >> 8);
        return STRANGER;
    }

    /// @dev Someone holding no role now: a stranger, an owner, a former key or a proposed one.
    function _roleOutsider(uint256 seed) internal view returns (address) {
        uint256 pick = seed % 4;
        if (pick == 1) return owners[(seed >> 4) % owners.length];
        if (pick == 2 && formerRoleKeys.length != 0) return formerRoleKeys[(seed >> 4) % formerRoleKeys.length];
        if (pick == 3 && escrow.pendingActivator() != address(0)) {
            return (seed >> 4) % 2 == 0 ? escrow.pendingActivator() : escrow.pendingSettler();
        }
        return STRANGER;
    }

    function _entry(uint256 r) internal view returns (DeeployEscrow.Settlement memory s) {
        uint64 nowEpoch = escrow.currentEpoch();
        // Two in three at or above the 90% threshold, the rest between 80% and 90%.
        s.uptimeBps = uint16((r >> 32) % 3 == 0 ? 8000 + (r >> 40) % 1000 : 9000 + (r >> 40) % 1001);
        if (jobIds.length == 0 || r % 23 == 0) {
            return DeeployEscrow.Settlement(1000 + r % 5, nowEpoch, operators[0], s.uptimeBps); // unknown job
        }
        bool found;
        if (r % 4 != 0) (found, s.jobId) = _pickSettleable(r >> 8); // mostly jobs with epochs to settle
        if (!found) s.jobId = jobIds[(r >> 8) % jobIds.length];
        (,,, uint64 startEpoch, uint64 endEpoch,,,,,,,) = escrow.job(s.jobId);
        uint64 lastEnded = endEpoch < nowEpoch ? endEpoch : nowEpoch; // exclusive bound of settleable epochs
        // Mostly within the window; sometimes any ended epoch of the paid range (some past the window).
        uint64 first = startEpoch;
        if (r % 7 != 0 && nowEpoch > WINDOW && nowEpoch - WINDOW > first) first = nowEpoch - WINDOW;
        if (r % 29 == 0 && endEpoch != 0) {
            s.epoch = r % 2 == 0 && startEpoch != 0 ? startEpoch - 1 : endEpoch; // outside the paid range
        } else if (r % 13 == 0 || lastEnded <= startEpoch) {
            s.epoch = nowEpoch + uint64((r >> 16) % 3); // not ended yet (or nothing to settle)
        } else if (lastEnded <= first) {
            s.epoch = startEpoch + uint64((r >> 16) % (lastEnded - startEpoch)); // all past the window
        } else {
            s.epoch = first + uint64((r >> 16) % (lastEnded - first));
        }
        // A node of a random version of the job's node set: after a failover, old and new nodes both show up.
        // One entry in three aims at the epoch that version started in (a failover epoch, where the old and
        // the new set are both eligible and the per-epoch cap matters).
        address[] memory set;
        uint256 versions = escrow.nodeSetCount(s.jobId);
        if (versions != 0) {
            uint64 fromEpoch;
            uint256 version = (r >> 56) % versions;
            (fromEpoch, set) = escrow.nodeSetAt(s.jobId, version);
            if ((r >> 64) % 3 == 0 && fromEpoch < lastEnded && fromEpoch >= first) {
                s.epoch = fromEpoch;
                if (version != 0 && (r >> 72) % 2 == 0) (, set) = escrow.nodeSetAt(s.jobId, version - 1);
            }
        }
        if (r % 11 == 0) s.node = STRANGER;
        else if (set.length == 0 || r % 5 == 0) s.node = operators[(r >> 24) % operators.length];
        else s.node = set[(r >> 24) % set.length];
        if (r % 19 == 0) s.uptimeBps = uint16(10_001 + (r >> 48) % 100);
    }

    /// @dev From jobIds[seed % length] on, the first job in `state` (1 funded, 2 active, 3 closed).
    function _pickJobIn(uint256 seed, uint8 state) internal view returns (bool, uint256) {
        for (uint256 k; k < jobIds.length; ++k) {
            uint256 jobId = jobIds[(seed % jobIds.length + k) % jobIds.length];
            (,,,,,,,, uint8 s,,,) = escrow.job(jobId);
            if (s == state) return (true, jobId);
        }
        return (false, 0);
    }

    /// @dev From jobIds[seed % length] on, the first active or closed job with an ended epoch in its window.
    function _pickSettleable(uint256 seed) internal view returns (bool, uint256) {
        uint64 nowEpoch = escrow.currentEpoch();
        for (uint256 k; k < jobIds.length; ++k) {
            uint256 jobId = jobIds[(seed % jobIds.length + k) % jobIds.length];
            (,,, uint64 startEpoch, uint64 endEpoch,,,, uint8 s,,,) = escrow.job(jobId);
            if ((s == 2 || s == 3) && startEpoch < nowEpoch && nowEpoch < endEpoch + WINDOW) return (true, jobId);
        }
        return (false, 0);
    }

    function _pickJob(uint256 seed) internal view returns (bool, uint256) {
        if (jobIds.length == 0) return (false, 0);
        return (true, jobIds[seed % jobIds.length]);
    }

    function _endEpochOf(uint256 jobId) internal view returns (uint64 endEpoch) {
        (,,,, endEpoch,,,,,,,) = escrow.job(jobId);
    }

    function _contains(address[] memory set, address node) internal pure returns (bool) {
        for (uint256 i; i < set.length; ++i) {
            if (set[i] == node) return true;
        }
        return false;
    }

    function _list(address a) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = a;
    }

    /// @dev min..max distinct operators (both capped by the pool), from a seed.
    function _nodeSet(uint256 seed, uint256 min, uint32 max) internal view returns (address[] memory set) {
        uint256 cap = max < operators.length ? max : operators.length;
        uint256 count = bound(seed, min < cap ? min : cap, cap);
        set = new address[](count);
        uint256 offset = (seed >> 8) % operators.length;
        for (uint256 i; i < count; ++i) {
            set[i] = operators[(offset + i) % operators.length];
        }
    }

    /// @dev What a node earns for `epoch` of `jobId` by the rules: the price, and for the activation epoch
    ///      the part of it left at activation (rounded down).
    function _expectedPrice(uint256 jobId, uint64 epoch) internal view returns (uint256) {
        (,,, uint64 startEpoch,,,,,,, uint256 price,) = escrow.job(jobId);
        if (epoch != startEpoch) return price;
        uint256 nextStart = escrow.epochStart(startEpoch + 1);
        return price * (nextStart - activatedAt[jobId]) / EPOCH;
    }

    function _account(Vm.Log[] memory logs) internal {
        bytes32 settledTopic = DeeployEscrow.EpochSettled.selector;
        bytes32 skippedTopic = DeeployEscrow.SettlementSkipped.selector;
        uint64 nowEpoch = escrow.currentEpoch();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(escrow)) continue;
            if (logs[i].topics[0] == skippedTopic) {
                ++skippedEntries;
                (uint64 skippedEpoch,, uint8 reason) = abi.decode(logs[i].data, (uint64, address, uint8));
                ++skipsByReason[reason];
                (,,,,,,,, uint8 state,,,) = escrow.job(uint256(logs[i].topics[1]));
                if (reason == escrow.SKIP_JOB_CLOSED() && state != 4) ++wrongSkips;
                if (reason == escrow.SKIP_WINDOW_OVER() && nowEpoch - skippedEpoch <= WINDOW) ++wrongSkips;
                continue;
            }
            if (logs[i].topics[0] != settledTopic) continue;
            ++settledEntries;
            uint256 jobId = uint256(logs[i].topics[1]);
            uint64 epoch = uint64(uint256(logs[i].topics[2]));
            address node = address(uint160(uint256(logs[i].topics[3])));
            (uint256 paid, uint16 uptime) = abi.decode(logs[i].data, (uint256, uint16));
            if (nowEpoch - epoch > WINDOW) ++lateSettlements;
            bool shouldPay = uptime >= escrow.uptimeThresholdBps();
            if (paid != (shouldPay ? _expectedPrice(jobId, epoch) : 0)) ++badSettlements;
            if (!shouldPay) continue;
            ghostPaid += paid;
            if (++paidTimes[keccak256(abi.encode(jobId, epoch, node))] > 1) ++doublePayments;
            if (++paidPerEpoch[jobId][epoch] > escrow.nodesAt(jobId, epoch)) ++overpaidEpochs;
        }
    }
}

contract EscrowInvariantTest is TestBase {
    DeeployUSD internal token;
    DeeployEscrow internal escrow;
    EscrowHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new DeeployUSD();
        escrow = new DeeployEscrow(address(token), address(0xE1), address(0xE2), 50, 9000, 2);
        handler = new EscrowHandler(token, escrow);
        escrow.transferAdmin(address(handler)); // the handler rotates the roles
        address[3] memory owners = [address(0xA1), address(0xA2), address(0xA3)];
        for (uint256 i; i < owners.length; ++i) {
            token.mint(owners[i], 1_000_000_000e6);
        }
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), handler.selectors());
    }

    /// Conservation, stated exactly (nobody sends tokens to the escrow outside these paths):
    ///   balanceOf(escrow) == deposited - refunded - claimed == totalHeld + totalClaimable
    ///   deposited == paid + refunded + totalHeld;   paid == claimed + totalClaimable
    /// and the escrow's per-job books add up to the same totals.
    function invariant_conservation() public view {
        uint256 deposited = handler.ghostDeposited();
        uint256 paid = handler.ghostPaid();
        uint256 refunded = handler.ghostRefunded();
        uint256 claimed = handler.ghostClaimed();
        uint256 balance = token.balanceOf(address(escrow));
        assertEq(balance, deposited - refunded - claimed, "balance == deposited - refunded - claimed");
        assertEq(balance, uint256(escrow.totalHeld()) + escrow.totalClaimable(), "balance == held + claimable");
        assertEq(deposited, paid + refunded + escrow.totalHeld(), "deposited == paid + refunded + held");
        assertEq(paid, claimed + escrow.totalClaimable(), "paid == claimed + claimable");

        uint256 sumDeposited;
        uint256 sumPaid;
        uint256 sumRefunded;
        uint256 sumHeld;
        for (uint256 i; i < handler.jobCount(); ++i) {
            uint256 jobId = handler.jobIds(i);
            (,,,,, uint256 d, uint256 p, uint256 r,,,,) = escrow.job(jobId);
            sumDeposited += d;
            sumPaid += p;
            sumRefunded += r;
            sumHeld += escrow.jobBalance(jobId);
        }
        assertEq(sumDeposited, deposited, "jobs' deposits == tokens pulled");
        assertEq(sumPaid, paid, "jobs' paid == credited to operators");
        assertEq(sumRefunded, refunded, "jobs' refunds == tokens returned");
        assertEq(sumHeld, escrow.totalHeld(), "jobs' balances == totalHeld");

        address[5] memory operators = handler.operatorList();
        uint256 sumClaimable;
        for (uint256 i; i < operators.length; ++i) {
            sumClaimable += escrow.claimable(operators[i]);
        }
        assertEq(sumClaimable, escrow.totalClaimable(), "operators' credit == totalClaimable");
    }

    /// No (job, epoch, node) is paid twice, no epoch pays more nodes than were bought for it, every settlement
    /// paid exactly the epoch's price (pro rata for the activation epoch) at or above the threshold and nothing
    /// below it, nothing was paid after its settle window, and nothing in it was refused for lateness or because
    /// the job was closed (a closed job's served epochs stay payable).
    function invariant_noDoublePayment() public view {
        assertEq(handler.doublePayments(), 0, "a (job, epoch, node) was paid twice");
        assertEq(handler.wrongSkips(), 0, "a settlement in its window, or of a closed job, was refused");
        assertEq(handler.overpaidEpochs(), 0, "an epoch paid more nodes than bought");
        assertEq(handler.badSettlements(), 0, "a settlement paid the wrong amount");
        assertEq(handler.lateSettlements(), 0, "a settlement was paid after its window");
    }

    /// A close refunds exactly the epochs not yet begun (everything for a job never activated), a node removal
    /// exactly the removed nodes' epochs not yet begun, a release exactly what the job still held; an ended job
    /// holds nothing.
    function invariant_closingRefundsOnlyWhatWasNotServed() public view {
        assertEq(handler.badCloses(), 0, "a close, release or node removal refunded other than the rules say");
        for (uint256 i; i < handler.jobCount(); ++i) {
            uint256 jobId = handler.jobIds(i);
            (,,,,, uint256 d, uint256 p, uint256 r, uint8 state,,,) = escrow.job(jobId);
            if (state == 4) assertEq(d, p + r, "ended job: deposited == paid + refunded");
        }
    }

    /// Nobody gets through a check meant for someone else: strangers, owners, delegates without the bit, old
    /// or not-yet-due role keys, and releases or rotations before their time are all refused.
    function invariant_onlyAuthorisedCallsSucceed() public view {
        assertEq(handler.refusedCallsThatSucceeded(), 0, handler.lastRefusedCallThatSucceeded());
    }

    /// No balance goes negative: every job's books satisfy deposited >= paid + refunded, a job is never paid
    /// more than it bought, and what it bought is exactly sum over its epochs of nodesAt(epoch) * price plus
    /// the epochs not begun that a close or a node removal refunded.
    function invariant_noNegativeBalance() public view {
        assertEq(handler.badCharges(), 0, "a purchase was charged other than the documented price");
        for (uint256 i; i < handler.jobCount(); ++i) {
            uint256 jobId = handler.jobIds(i);
            (,,, uint64 startEpoch, uint64 endEpoch, uint256 d, uint256 p, uint256 r,,, uint256 price,) =
                escrow.job(jobId);
            assertLe(p + r, d, "paid + refunded <= deposited");
            if (endEpoch == 0) continue; // never activated
            uint256 bought;
            for (uint64 e = startEpoch; e < endEpoch; ++e) {
                bought += uint256(escrow.nodesAt(jobId, e)) * price;
            }
            assertEq(bought + handler.ghostRefundedUnbegun(jobId), d, "deposited == sum of nodesAt * price + refunded unbegun");
        }
    }

    /// A fixed pseudo-random walk through the handler, to show it reaches every path the invariants guard
    /// (forge's own runs are random and print no totals).
    function test_handlerReachesEveryPath() public {
        for (uint256 i; i < 600; ++i) {
            uint256 r = uint256(keccak256(abi.encode("walk", i)));
            uint256 a = r >> 128;
            uint256 b = r & type(uint128).max;
            uint256 action = r % 27;
            if (action < 3) handler.createJob(a, b, a >> 8, b >> 8);
            else if (action < 5) handler.activate(a, b);
            else if (action < 9) handler.settle(a, b);
            else if (action < 12) handler.passTime(a);
            else if (action == 12) handler.extendJob(a, b);
            else if (action == 13) handler.addNodes(a, b);
            else if (action == 14 || action == 15) handler.updateNodes(a, b);
            else if (action == 16) handler.closeJob(a, b);
            else if (action == 17) handler.redeemJob(a, b);
            else if (action == 18) handler.releaseJob(a);
            else if (action == 19) handler.setDelegate(a, b, a >> 8);
            else if (action == 20) handler.proposeRoles(a);
            else if (action == 21) handler.applyRoles();
            else if (action < 24) handler.unauthorisedCall(a);
            else if (action == 24) handler.removeNodes(a, b);
            else handler.claim(a);
        }
        log("settled entries", handler.settledEntries());
        log("skipped entries", handler.skippedEntries());
        for (uint256 reason = 1; reason < 11; ++reason) {
            log(string.concat("  skipped, reason ", vm.toString(reason)), handler.skipsByReason(reason));
        }
        log("paid to operators", handler.ghostPaid());
        log("claimed", handler.ghostClaimed());
        log("closes and redeems", handler.closes());
        log("releases", handler.releases());
        log("node updates", handler.nodeUpdates());
        log("node removals", handler.nodeRemovals());
        log("delegate actions", handler.delegateActions());
        log("refused calls tried", handler.refusals());
        log("role rotations", handler.rotations());
        assertTrue(handler.settledEntries() > 20, "settles");
        for (uint256 reason = 1; reason < 11; ++reason) {
            assertTrue(handler.skipsByReason(reason) > 0, string.concat("skip reason ", vm.toString(reason)));
        }
        assertTrue(handler.ghostPaid() > 0 && handler.ghostClaimed() > 0, "pays and claims");
        assertTrue(handler.closes() > 2 && handler.releases() > 2, "closes and releases");
        assertTrue(handler.delegateActions() > 2, "delegates act");
        assertTrue(handler.nodeRemovals() > 2, "nodes removed");
        assertTrue(handler.refusals() > 20, "refused calls tried");
        assertTrue(handler.rotations() > 0, "roles rotate");
        invariant_conservation();
        invariant_noDoublePayment();
        invariant_closingRefundsOnlyWhatWasNotServed();
        invariant_onlyAuthorisedCallsSucceed();
        invariant_noNegativeBalance();
    }
}
