// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.28;

import {TestBase, Vm} from "./TestBase.sol";
import {DeeployUSD} from "../src/DeeployUSD.sol";
import {DeeployEscrow} from "../src/DeeployEscrow.sol";

/// @notice Drives the escrow through random but valid sequences of every action (create, extend, add nodes,
///         activate, fail over, settle batches mixing good and bad entries, close, redeem, claim, time passing)
///         and keeps ghost books of every token movement. The handler only makes calls that must succeed,
///         and foundry.toml sets fail_on_revert: any revert (an underflow, a bad check) fails the run.
contract EscrowHandler is TestBase {
    uint64 internal constant EPOCH = 50;
    uint256 internal constant MAX_JOBS = 64;

    DeeployUSD public immutable token;
    DeeployEscrow public immutable escrow;
    address public immutable oracle;

    address[3] internal owners = [address(0xA1), address(0xA2), address(0xA3)];
    address[5] internal operators = [address(0xB1), address(0xB2), address(0xB3), address(0xB4), address(0xB5)];
    address internal constant STRANGER = address(0xC1);
    uint8[4] internal types = [53, 1, 4, 9];

    uint256[] public jobIds;
    uint256 internal currentTime;
    uint256 internal requestNonce;

    // Ghost books: every token movement in or out of the escrow, as the handler observed it.
    uint256 public ghostDeposited;
    uint256 public ghostPaid; // credited to operators by settlement
    uint256 public ghostRefunded;
    uint256 public ghostClaimed;

    // Violations the handler saw; each invariant asserts its counter is zero.
    uint256 public doublePayments; // a (job, epoch, node) paid more than once
    uint256 public overpaidEpochs; // an epoch paid more nodes than were bought
    uint256 public badCloses; // a close or redeem that did not refund exactly what the job held
    uint256 public badCharges; // create/extend/addNodes charged other than the documented price
    uint256 public badSettlements; // a settlement paid other than price, or paid below the threshold
    mapping(bytes32 key => uint256) internal paidTimes;
    mapping(uint256 jobId => mapping(uint64 epoch => uint256)) internal paidPerEpoch;

    uint256 public settledEntries;
    uint256 public skippedEntries;
    uint256[10] public skipsByReason;
    uint256 public closes;
    uint256 public nodeUpdates;

    constructor(DeeployUSD token_, DeeployEscrow escrow_, address oracle_) {
        token = token_;
        escrow = escrow_;
        oracle = oracle_;
        currentTime = block.timestamp;
        for (uint256 i; i < owners.length; ++i) {
            vm.prank(owners[i]);
            token.approve(address(escrow), type(uint256).max);
        }
    }

    // ------------------------------------------------------------------ actions

    function createJob(uint256 ownerSeed, uint256 typeSeed, uint256 nodesSeed, uint256 epochsSeed) external {
        _syncTime();
        if (jobIds.length >= MAX_JOBS) return;
        address owner = owners[ownerSeed % owners.length];
        uint8 jobType = types[typeSeed % types.length];
        uint32 nodes = uint32(bound(nodesSeed, 1, 3));
        uint32 epochs = uint32(bound(epochsSeed, 1, 6));
        uint256 cost = escrow.quote(jobType, nodes, epochs);
        (,, uint128 price,) = escrow.jobType(jobType);
        if (cost != uint256(price) * nodes * epochs) ++badCharges;
        uint256 before = token.balanceOf(owner);
        vm.prank(owner);
        uint256 jobId = escrow.createJob(jobType, nodes, epochs, bytes32(0), bytes32(++requestNonce));
        if (before - token.balanceOf(owner) != cost) ++badCharges;
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
        uint256 before = token.balanceOf(owner);
        vm.prank(owner);
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
        uint256 before = token.balanceOf(owner);
        vm.prank(owner);
        escrow.addNodes(jobId, extra);
        uint256 charged = before - token.balanceOf(owner);
        if (charged != price * extra * epochsCharged) ++badCharges;
        ghostDeposited += charged;
    }

    function activate(uint256 jobSeed, uint256 nodesSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJobIn(jobSeed, 1);
        if (!found) return;
        (,, uint32 nodes,,,,,,,,,) = escrow.job(jobId);
        // Usually all the nodes bought (capped by the operator pool), sometimes fewer.
        address[] memory set = nodesSeed % 4 == 0 ? _nodeSet(nodesSeed, 1, nodes) : _nodeSet(nodesSeed, nodes, nodes);
        vm.prank(oracle);
        escrow.activate(jobId, set);
    }

    function updateNodes(uint256 jobSeed, uint256 nodesSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJobIn(jobSeed, 2);
        if (!found) return;
        (,, uint32 nodes,,,,,,,,,) = escrow.job(jobId);
        // Usually a failover (one node of the current set replaced by another operator), sometimes any set.
        address[] memory set = escrow.jobNodes(jobId);
        if (nodesSeed % 3 == 0 || set.length == 0) {
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
        vm.prank(oracle);
        escrow.updateNodes(jobId, set);
        ++nodeUpdates;
    }

    /// @dev A batch of 1..8 entries: mostly plausible ones (a known job, an ended epoch of its paid range, one
    ///      of its nodes, uptime near the threshold on either side), some plainly bad (unknown job, stranger
    ///      node, current or future epoch, uptime over 100%), and repeats of earlier entries.
    function settle(uint256 seed, uint256 sizeSeed) external {
        _syncTime();
        uint256 size = bound(sizeSeed, 1, 8);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](size);
        for (uint256 i; i < size; ++i) {
            batch[i] = _entry(uint256(keccak256(abi.encode(seed, i))));
        }
        vm.recordLogs();
        vm.prank(oracle);
        escrow.settle(batch);
        _account(vm.getRecordedLogs());
    }

    function _entry(uint256 r) internal view returns (DeeployEscrow.Settlement memory s) {
        uint64 nowEpoch = escrow.currentEpoch();
        // Two in three at or above the 90% threshold, the rest between 80% and 90%.
        s.uptimeBps = uint16((r >> 32) % 3 == 0 ? 8000 + (r >> 40) % 1000 : 9000 + (r >> 40) % 1001);
        if (jobIds.length == 0 || r % 23 == 0) {
            return DeeployEscrow.Settlement(1000 + r % 5, nowEpoch, operators[0], s.uptimeBps); // unknown job
        }
        bool found;
        if (r % 4 != 0) (found, s.jobId) = _pickJobIn(r >> 8, 2); // mostly active jobs
        if (!found) s.jobId = jobIds[(r >> 8) % jobIds.length];
        (,,, uint64 startEpoch, uint64 endEpoch,,,,,,,) = escrow.job(s.jobId);
        uint64 lastEnded = endEpoch < nowEpoch ? endEpoch : nowEpoch; // exclusive bound of settleable epochs
        if (r % 29 == 0 && endEpoch != 0) {
            s.epoch = r % 2 == 0 && startEpoch != 0 ? startEpoch - 1 : endEpoch; // outside the paid range
        } else if (r % 13 == 0 || lastEnded <= startEpoch) {
            s.epoch = nowEpoch + uint64((r >> 16) % 3); // not ended yet (or nothing to settle)
        } else {
            s.epoch = startEpoch + uint64((r >> 16) % (lastEnded - startEpoch));
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
            if ((r >> 64) % 3 == 0 && fromEpoch < lastEnded) {
                s.epoch = fromEpoch;
                if (version != 0 && (r >> 72) % 2 == 0) (, set) = escrow.nodeSetAt(s.jobId, version - 1);
            }
        }
        if (r % 11 == 0) s.node = STRANGER;
        else if (set.length == 0 || r % 5 == 0) s.node = operators[(r >> 24) % operators.length];
        else s.node = set[(r >> 24) % set.length];
        if (r % 19 == 0) s.uptimeBps = uint16(10_001 + (r >> 48) % 100);
    }

    function closeJob(uint256 jobSeed, uint256 callerSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJob(jobSeed);
        if (!found) return;
        (address owner,,,, uint64 endEpoch,,,, uint8 state,,,) = escrow.job(jobId);
        if (state != 1 && state != 2) return;
        // Pick a caller that is allowed now: the owner and the oracle always, anyone after the grace.
        uint64 nowEpoch = escrow.currentEpoch();
        address caller = owner;
        uint256 pick = callerSeed % 3;
        if (pick == 1) caller = oracle;
        if (state == 2 && pick == 2 && nowEpoch >= endEpoch + escrow.CLOSE_GRACE_EPOCHS()) caller = STRANGER;
        uint256 held = escrow.jobBalance(jobId);
        uint256 before = token.balanceOf(owner);
        vm.prank(caller);
        escrow.closeJob(jobId);
        uint256 refund = token.balanceOf(owner) - before;
        if (refund != held || escrow.jobBalance(jobId) != 0) ++badCloses;
        ghostRefunded += refund;
        ++closes;
    }

    function redeemJob(uint256 jobSeed) external {
        _syncTime();
        (bool found, uint256 jobId) = _pickJob(jobSeed);
        if (!found) return;
        (address owner,,,,, uint256 deposited,,, uint8 state,,,) = escrow.job(jobId);
        if (state != 1) return;
        uint256 before = token.balanceOf(owner);
        vm.prank(owner);
        escrow.redeemJob(jobId);
        uint256 refund = token.balanceOf(owner) - before;
        if (refund != deposited || escrow.jobBalance(jobId) != 0) ++badCloses;
        ghostRefunded += refund;
        ++closes;
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
        currentTime += bound(secondsSeed, 1, 2 * EPOCH);
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
        s = new bytes4[](10);
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
    }

    // ------------------------------------------------------------------ internals

    /// @dev Time is kept here and re-applied on every call, so it only moves forward, whatever forge does
    ///      with the block environment between calls.
    function _syncTime() internal {
        vm.warp(currentTime);
    }

    /// @dev From jobIds[seed % length] on, the first job in `state` (1 funded, 2 active).
    function _pickJobIn(uint256 seed, uint8 state) internal view returns (bool, uint256) {
        for (uint256 k; k < jobIds.length; ++k) {
            uint256 jobId = jobIds[(seed % jobIds.length + k) % jobIds.length];
            (,,,,,,,, uint8 s,,,) = escrow.job(jobId);
            if (s == state) return (true, jobId);
        }
        return (false, 0);
    }

    function _pickJob(uint256 seed) internal view returns (bool, uint256) {
        if (jobIds.length == 0) return (false, 0);
        return (true, jobIds[seed % jobIds.length]);
    }

    function _contains(address[] memory set, address node) internal pure returns (bool) {
        for (uint256 i; i < set.length; ++i) {
            if (set[i] == node) return true;
        }
        return false;
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

    function _account(Vm.Log[] memory logs) internal {
        bytes32 settledTopic = DeeployEscrow.EpochSettled.selector;
        bytes32 skippedTopic = DeeployEscrow.SettlementSkipped.selector;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(escrow)) continue;
            if (logs[i].topics[0] == skippedTopic) {
                ++skippedEntries;
                (,, uint8 reason) = abi.decode(logs[i].data, (uint64, address, uint8));
                ++skipsByReason[reason];
                continue;
            }
            if (logs[i].topics[0] != settledTopic) continue;
            ++settledEntries;
            uint256 jobId = uint256(logs[i].topics[1]);
            uint64 epoch = uint64(uint256(logs[i].topics[2]));
            address node = address(uint160(uint256(logs[i].topics[3])));
            (uint256 paid, uint16 uptime) = abi.decode(logs[i].data, (uint256, uint16));
            (,,,,,,,,,, uint256 price,) = escrow.job(jobId);
            bool shouldPay = uptime >= escrow.uptimeThresholdBps();
            if (paid != (shouldPay ? price : 0)) ++badSettlements;
            if (paid == 0) continue;
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
    address internal constant ORACLE = address(0x0AC1E);

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new DeeployUSD();
        escrow = new DeeployEscrow(address(token), ORACLE, 50, 9000);
        handler = new EscrowHandler(token, escrow, ORACLE);
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

    /// No (job, epoch, node) is paid twice, no epoch pays more nodes than were bought for it, and every
    /// settlement paid exactly the job's price at or above the threshold and nothing below it.
    function invariant_noDoublePayment() public view {
        assertEq(handler.doublePayments(), 0, "a (job, epoch, node) was paid twice");
        assertEq(handler.overpaidEpochs(), 0, "an epoch paid more nodes than bought");
        assertEq(handler.badSettlements(), 0, "a settlement paid the wrong amount");
    }

    /// Closing (or redeeming) always refunds the owner exactly what the job held, and a closed job holds nothing.
    function invariant_closingAlwaysRefunds() public view {
        assertEq(handler.badCloses(), 0, "a close did not refund what the job held");
        for (uint256 i; i < handler.jobCount(); ++i) {
            uint256 jobId = handler.jobIds(i);
            (,,,,, uint256 d, uint256 p, uint256 r, uint8 state,,,) = escrow.job(jobId);
            if (state == 3) assertEq(d, p + r, "closed job: deposited == paid + refunded");
        }
    }

    /// No balance goes negative: every job's books satisfy deposited >= paid + refunded, a job is never paid
    /// more than it bought, and what it bought is exactly sum over its epochs of nodesAt(epoch) * price.
    /// (An underflow anywhere would also have reverted a handler call, which fail_on_revert reports.)
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
            assertEq(bought, d, "deposited == sum of nodesAt(epoch) * price");
        }
    }

    /// A fixed pseudo-random walk through the handler, to show it reaches every path the invariants guard
    /// (forge's own runs are random and print no totals).
    function test_handlerReachesEveryPath() public {
        for (uint256 i; i < 400; ++i) {
            uint256 r = uint256(keccak256(abi.encode("walk", i)));
            uint256 a = r >> 128;
            uint256 b = r & type(uint128).max;
            uint256 action = r % 20;
            if (action < 3) handler.createJob(a, b, a >> 8, b >> 8);
            else if (action < 5) handler.activate(a, b);
            else if (action < 9) handler.settle(a, b);
            else if (action < 12) handler.passTime(a);
            else if (action == 12) handler.extendJob(a, b);
            else if (action == 13) handler.addNodes(a, b);
            else if (action == 14 || action == 15) handler.updateNodes(a, b);
            else if (action == 16) handler.closeJob(a, b);
            else if (action == 17) handler.redeemJob(a);
            else handler.claim(a);
        }
        log("settled entries", handler.settledEntries());
        log("skipped entries", handler.skippedEntries());
        for (uint256 reason = 1; reason < 10; ++reason) {
            log(string.concat("  skipped, reason ", vm.toString(reason)), handler.skipsByReason(reason));
        }
        log("paid to operators", handler.ghostPaid());
        log("claimed", handler.ghostClaimed());
        log("closes and redeems", handler.closes());
        log("node updates", handler.nodeUpdates());
        assertTrue(handler.settledEntries() > 20, "settles");
        for (uint256 reason = 1; reason < 10; ++reason) {
            assertTrue(handler.skipsByReason(reason) > 0, string.concat("skip reason ", vm.toString(reason)));
        }
        assertTrue(handler.ghostPaid() > 0 && handler.ghostClaimed() > 0, "pays and claims");
        assertTrue(handler.closes() > 2, "closes");
        invariant_conservation();
        invariant_noDoublePayment();
        invariant_closingAlwaysRefunds();
        invariant_noNegativeBalance();
    }
}
