// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.28;

import {Vm} from "./TestBase.sol";
import {EscrowFixture} from "./EscrowFixture.sol";
import {DeeployUSD} from "../src/DeeployUSD.sol";
import {DeeployEscrow} from "../src/DeeployEscrow.sol";

contract DeeployEscrowTest is EscrowFixture {
    // ------------------------------------------------------------------ construction, job types, quote

    function test_constructor_setsParameters() public view {
        assertEq(escrow.genesis(), 1_700_000_000, "genesis is the deployment timestamp");
        assertEq(escrow.epochLength(), EPOCH, "epoch length");
        assertEq(escrow.uptimeThresholdBps(), THRESHOLD, "threshold");
        assertEq(escrow.activator(), activator, "activator");
        assertEq(escrow.settler(), settler, "settler");
        assertEq(escrow.settleWindowEpochs(), WINDOW, "settle window");
        assertEq(escrow.admin(), address(this), "admin is the deployer");
        assertEq(address(escrow.token()), address(token), "token");
        assertEq(escrow.currentEpoch(), 0, "epoch 0 at genesis");
    }

    function test_constructor_rejectsBadParameters() public {
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroAddress.selector));
        new DeeployEscrow(address(0), activator, settler, EPOCH, THRESHOLD, WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAContract.selector, alice));
        new DeeployEscrow(alice, activator, settler, EPOCH, THRESHOLD, WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroAddress.selector));
        new DeeployEscrow(address(token), activator, address(0), EPOCH, THRESHOLD, WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.SameRoleKey.selector, activator));
        new DeeployEscrow(address(token), activator, activator, EPOCH, THRESHOLD, WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.InvalidEpochLength.selector));
        new DeeployEscrow(address(token), activator, settler, 0, THRESHOLD, WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.InvalidThreshold.selector, uint16(10_001)));
        new DeeployEscrow(address(token), activator, settler, EPOCH, 10_001, WINDOW);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.InvalidSettleWindow.selector));
        new DeeployEscrow(address(token), activator, settler, EPOCH, THRESHOLD, 0);
    }

    function test_currentEpoch_followsTime() public {
        vm.warp(escrow.genesis() + EPOCH - 1);
        assertEq(escrow.currentEpoch(), 0, "last second of epoch 0");
        vm.warp(escrow.genesis() + EPOCH);
        assertEq(escrow.currentEpoch(), 1, "first second of epoch 1");
        assertEq(escrow.epochStart(7), escrow.genesis() + 7 * EPOCH, "epochStart");
    }

    function test_jobTypes_seedTable() public view {
        uint8[11] memory ids = [53, 54, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        uint32[11] memory cpu = [uint32(250), 500, 1000, 2000, 2000, 3000, 6000, 8000, 12_000, 16_000, 22_000];
        uint32[11] memory mem =
            [uint32(512), 1024, 2048, 4096, 8192, 12_288, 14_336, 22_528, 30_720, 63_488, 126_976];
        uint128[11] memory price = [
            uint128(100_000),
            166_700,
            375_000,
            750_000,
            1_000_000,
            1_916_700,
            2_916_700,
            3_750_000,
            5_333_300,
            8_333_300,
            12_500_000
        ];
        uint8[] memory listed = escrow.jobTypeIds();
        assertEq(listed.length, 11, "eleven job types");
        for (uint256 i; i < ids.length; ++i) {
            (uint32 c, uint32 m, uint128 p, bool exists) = escrow.jobType(ids[i]);
            assertTrue(exists, "exists");
            assertEq(c, cpu[i], "cpuMillis");
            assertEq(m, mem[i], "memoryMb");
            assertEq(p, price[i], "price");
            assertEq(listed[i], ids[i], "listed in order");
        }
        (,,, bool unknown) = escrow.jobType(10);
        assertTrue(!unknown, "10 does not exist");
    }

    function test_addJobType_onlyAdmin() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAdmin.selector, stranger));
        escrow.addJobType(50, 1000, 2048, 500_000);

        escrow.addJobType(50, 1000, 2048, 500_000);
        (uint32 c, uint32 m, uint128 p, bool exists) = escrow.jobType(50);
        assertTrue(exists && c == 1000 && m == 2048 && p == 500_000, "added");
        assertEq(escrow.quote(50, 2, 3), 3_000_000, "quote uses the new type");

        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.JobTypeExists.selector, uint8(50)));
        escrow.addJobType(50, 1, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.InvalidPrice.selector));
        escrow.addJobType(51, 1, 1, 0);
    }

    function test_roles_replacedInTwoStepsOnlyAfterTheDelay() public {
        address newActivator = address(0xAC2);
        address newSettler = address(0x5E2);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAdmin.selector, stranger));
        escrow.proposeRoles(newActivator, newSettler);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.SameRoleKey.selector, newActivator));
        escrow.proposeRoles(newActivator, newActivator);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NoRolesProposed.selector));
        escrow.applyRoles();

        uint256 due = block.timestamp + escrow.ROLE_DELAY_EPOCHS() * EPOCH;
        escrow.proposeRoles(newActivator, newSettler);
        assertEq(escrow.pendingRolesFrom(), due, "due after the delay");

        // Before the delay the proposed keys can do nothing and the current ones go on.
        vm.warp(due - 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.RolesNotDue.selector, due));
        escrow.applyRoles();
        uint256 jobId = _create(alice, 1, 100);
        vm.prank(newActivator);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotActivator.selector, newActivator));
        escrow.activate(jobId, _list(newActivator));
        vm.prank(newSettler);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotSettler.selector, newSettler));
        escrow.settle(new DeeployEscrow.Settlement[](0));
        _activate(jobId, _list(n1));

        // Anyone applies it once due; the old keys are out from then on.
        vm.warp(due);
        vm.prank(stranger);
        escrow.applyRoles();
        assertEq(escrow.activator(), newActivator, "new activator");
        assertEq(escrow.settler(), newSettler, "new settler");
        assertEq(escrow.pendingRolesFrom(), 0, "nothing pending");
        vm.prank(activator);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotActivator.selector, activator));
        escrow.updateNodes(jobId, _list(n2));
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotSettler.selector, settler));
        escrow.settle(new DeeployEscrow.Settlement[](0));
        vm.prank(newActivator);
        escrow.updateNodes(jobId, _list(n2));

        // A proposal can be withdrawn; the admin role moves in one step.
        escrow.proposeRoles(activator, settler);
        escrow.cancelRoles();
        vm.warp(block.timestamp + escrow.ROLE_DELAY_EPOCHS() * EPOCH);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NoRolesProposed.selector));
        escrow.applyRoles();
        escrow.transferAdmin(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAdmin.selector, address(this)));
        escrow.proposeRoles(activator, settler);
    }

    function test_roles_aStolenKeyAloneCannotPayItself() public {
        uint256 jobId = _activeJob(); // n1, n2
        _warpToEpoch(2);
        // The activator's key puts its own address in the node set from the current epoch on...
        vm.prank(activator);
        escrow.updateNodes(jobId, _list(activator));
        _warpToEpoch(3);
        // ...but cannot attest it.
        vm.prank(activator);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotSettler.selector, activator));
        escrow.settle(new DeeployEscrow.Settlement[](0));
        // The settler's key can attest only nodes the activator placed: never itself.
        vm.recordLogs();
        _settleOne(jobId, 2, settler, 10_000);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons[0], escrow.SKIP_NODE_NOT_ASSIGNED(), "not the settler's node");
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotActivator.selector, settler));
        escrow.updateNodes(jobId, _list(settler));
        assertEq(escrow.claimable(settler) + escrow.claimable(activator), 0, "neither key earned anything");
    }
    function test_quote_isPriceTimesNodesTimesEpochs() public {
        assertEq(escrow.quote(ENTRY, 2, 5), 3_750_000, "ENTRY 2 nodes 5 epochs = 3.75 dUSD");
        assertEq(escrow.quote(53, 1, 30), 3_000_000, "MICRO 1 node 30 epochs = 3 dUSD");
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.UnknownJobType.selector, uint8(10)));
        escrow.quote(10, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroNodes.selector));
        escrow.quote(ENTRY, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroEpochs.selector));
        escrow.quote(ENTRY, 1, 0);
    }

    function testFuzz_quote(uint32 nodes, uint32 epochs) public view {
        nodes = uint32(bound(nodes, 1, type(uint32).max));
        epochs = uint32(bound(epochs, 1, type(uint32).max));
        assertEq(escrow.quote(9, nodes, epochs), uint256(12_500_000) * nodes * epochs, "ULTRA2 quote");
    }

    // ------------------------------------------------------------------ create

    function test_createJob_pullsTheQuotedAmount() public {
        uint256 cost = escrow.quote(ENTRY, 2, 5);
        vm.recordLogs();
        vm.prank(alice);
        uint256 jobId = escrow.createJob(ENTRY, 2, 5, keccak256("p"), keccak256("r1"));

        assertEq(jobId, 1, "first job id");
        assertEq(escrow.jobCount(), 1, "job count");
        assertEq(token.balanceOf(alice), START_BALANCE - cost, "owner paid the quote");
        assertEq(token.balanceOf(address(escrow)), cost, "escrow holds it");
        assertEq(escrow.totalHeld(), cost, "totalHeld");
        assertEq(_held(jobId), cost, "job balance");
        _checkNewJob(jobId, cost);

        Vm.Log memory created = _findLog(vm.getRecordedLogs(), DeeployEscrow.JobCreated.selector);
        assertEq(uint256(created.topics[1]), jobId, "indexed job id");
        assertEq(address(uint160(uint256(created.topics[2]))), alice, "indexed owner");
        (uint8 t, uint32 n, uint32 e, uint256 amount, bytes32 requestId) =
            abi.decode(created.data, (uint8, uint32, uint32, uint256, bytes32));
        assertTrue(t == ENTRY && n == 2 && e == 5, "event type, nodes, epochs");
        assertEq(amount, cost, "event amount");
        assertEq(requestId, keccak256("r1"), "event request id");
    }

    function _checkNewJob(uint256 jobId, uint256 cost) private view {
        (
            address owner,
            uint8 jobType,
            uint32 nodes,
            uint64 startEpoch,
            uint64 endEpoch,
            uint256 deposited,
            uint256 paid,
            uint256 refunded,
            uint8 state,
            uint32 epochs,
            uint256 price,
            bytes32 projectHash
        ) = escrow.job(jobId);
        assertEq(owner, alice, "owner");
        assertEq(jobType, ENTRY, "type");
        assertEq(nodes, 2, "nodes");
        assertEq(startEpoch, 0, "not started");
        assertEq(endEpoch, 0, "no end before activation");
        assertEq(deposited, cost, "deposited");
        assertEq(paid + refunded, 0, "nothing out");
        assertEq(state, 1, "funded");
        assertEq(epochs, 5, "epochs");
        assertEq(price, ENTRY_PRICE, "price fixed in the job");
        assertEq(projectHash, keccak256("p"), "project hash");
    }

    function test_createJob_sameRequestIdRevertsWithTheExistingJobId() public {
        vm.prank(alice);
        uint256 jobId = escrow.createJob(ENTRY, 1, 3, bytes32(0), keccak256("req"));
        assertEq(escrow.jobIdForRequest(alice, keccak256("req")), jobId, "request recorded");

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.DuplicateRequest.selector, jobId));
        escrow.createJob(ENTRY, 1, 3, bytes32(0), keccak256("req"));
        assertEq(token.balanceOf(alice), START_BALANCE - escrow.quote(ENTRY, 1, 3), "charged once");

        // The key is per owner, and 0 means "no key".
        vm.prank(bob);
        uint256 bobs = escrow.createJob(ENTRY, 1, 3, bytes32(0), keccak256("req"));
        assertEq(escrow.jobIdForRequest(bob, keccak256("req")), bobs, "bob's own key");
        vm.startPrank(alice);
        uint256 a = escrow.createJob(ENTRY, 1, 1, bytes32(0), bytes32(0));
        uint256 b = escrow.createJob(ENTRY, 1, 1, bytes32(0), bytes32(0));
        vm.stopPrank();
        assertTrue(a != b, "no idempotency without a key");
        assertEq(escrow.jobIdForRequest(alice, bytes32(0)), 0, "zero key not recorded");
    }

    function test_createJob_withoutAllowanceReverts() public {
        token.mint(stranger, 10e6);
        vm.prank(stranger);
        vm.expectPartialRevert(DeeployUSD.InsufficientAllowance.selector);
        escrow.createJob(ENTRY, 1, 1, bytes32(0), bytes32(0));
        assertEq(escrow.jobCount(), 0, "nothing created");
    }

    function test_createJob_rejectsBadInput() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.UnknownJobType.selector, uint8(77)));
        escrow.createJob(77, 1, 1, bytes32(0), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroNodes.selector));
        escrow.createJob(ENTRY, 0, 1, bytes32(0), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroEpochs.selector));
        escrow.createJob(ENTRY, 1, 0, bytes32(0), bytes32(0));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ extend

    function test_extendJob_beforeActivationLengthensTheJob() public {
        uint256 jobId = _create(alice, 2, 5);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        escrow.extendJob(jobId, 3);
        assertEq(before - token.balanceOf(alice), 2 * 3 * ENTRY_PRICE, "paid nodes * extra epochs");
        _warpToEpoch(4);
        _activate(jobId, _list(n1, n2));
        assertEq(_endEpoch(jobId), 4 + 8, "8 epochs from activation");
    }

    function test_extendJob_activeMovesTheEnd() public {
        uint256 jobId = _activeJob(); // epochs [0, 5)
        _warpToEpoch(2);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        escrow.extendJob(jobId, 4);
        assertEq(before - token.balanceOf(alice), 2 * 4 * ENTRY_PRICE, "charged");
        assertEq(_endEpoch(jobId), 9, "end moved");
        assertEq(_held(jobId), 2 * 9 * ENTRY_PRICE, "held covers 9 epochs of 2 nodes");
    }

    function test_extendJob_expiredOrClosedReverts() public {
        uint256 jobId = _activeJob();
        _warpToEpoch(5);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.JobExpired.selector, jobId, uint64(5)));
        escrow.extendJob(jobId, 1);

        uint256 other = _create(alice, 1, 1);
        vm.startPrank(alice);
        escrow.redeemJob(other);
        vm.expectRevert(
            abi.encodeWithSelector(DeeployEscrow.InvalidJobState.selector, other, DeeployEscrow.JobState.Ended)
        );
        escrow.extendJob(other, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroEpochs.selector));
        escrow.extendJob(jobId, 0);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.UnknownJob.selector, uint256(99)));
        escrow.extendJob(99, 1);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ add nodes

    function test_addNodes_beforeActivationChargesEveryEpoch() public {
        uint256 jobId = _create(alice, 1, 4);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        escrow.addNodes(jobId, 2);
        assertEq(before - token.balanceOf(alice), 2 * 4 * ENTRY_PRICE, "extra nodes * all epochs");
        _activate(jobId, _list(n1, n2));
        assertEq(escrow.nodesAt(jobId, 0), 3, "3 nodes from the first epoch");
    }

    function test_addNodes_activeChargesFromTheNextEpoch() public {
        uint256 jobId = _activeJob(); // 2 nodes, epochs [0, 5)
        _warpToEpoch(1);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        escrow.addNodes(jobId, 1);
        // epochs 2, 3, 4 remain after the current one
        assertEq(before - token.balanceOf(alice), 3 * ENTRY_PRICE, "1 node * 3 remaining epochs");
        assertEq(escrow.nodesAt(jobId, 1), 2, "current epoch unchanged");
        assertEq(escrow.nodesAt(jobId, 2), 3, "next epoch has 3");
        assertEq(escrow.nodesAt(jobId, 4), 3, "last epoch has 3");
        assertEq(escrow.nodesAt(jobId, 5), 0, "after the end: none");

        // A second purchase in the same epoch merges into the same checkpoint.
        vm.prank(alice);
        escrow.addNodes(jobId, 2);
        assertEq(escrow.nodesAt(jobId, 2), 5, "merged");
        _warpToEpoch(3);
        vm.prank(alice);
        escrow.addNodes(jobId, 1);
        assertEq(escrow.nodesAt(jobId, 3), 5, "epoch 3 still 5");
        assertEq(escrow.nodesAt(jobId, 4), 6, "epoch 4 has 6");
        assertEq(escrow.nodesAt(jobId, 0), 2, "history kept");
        // deposited = 2*5 + 3*3 (epochs 2..4, +3 nodes) + 1*1 (epoch 4)
        assertEq(_held(jobId), (10 + 9 + 1) * ENTRY_PRICE, "deposit matches node-epochs bought");
    }

    function test_addNodes_inTheLastEpochOrExpiredReverts() public {
        uint256 jobId = _activeJob();
        _warpToEpoch(4);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NoEpochsLeft.selector, jobId));
        escrow.addNodes(jobId, 1);
        _warpToEpoch(6);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.JobExpired.selector, jobId, uint64(5)));
        escrow.addNodes(jobId, 1);
    }

    // ------------------------------------------------------------------ remove nodes

    function test_removeNodes_beforeActivationRefundsEveryEpoch() public {
        uint256 jobId = _create(alice, 3, 4);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        escrow.removeNodes(jobId, 2);
        assertEq(token.balanceOf(alice) - before, 2 * 4 * ENTRY_PRICE, "fewer nodes * all epochs back");
        assertEq(_held(jobId), 4 * ENTRY_PRICE, "one node's epochs held");
        _activate(jobId, _list(n1));
        assertEq(escrow.nodesAt(jobId, 0), 1, "1 node from the first epoch");
    }

    /// The removed node served the current epoch and is paid for it; from the next epoch only one node is paid, and
    /// the platform (the activator) may make the change for the owner, who alone gets the refund.
    function test_removeNodes_activeRefundsFromTheNextEpochAndTheCurrentOneIsStillPaid() public {
        uint256 jobId = _activeJob(); // 2 nodes, epochs [0, 5)
        _warpToEpoch(1);
        uint256 before = token.balanceOf(alice);
        vm.recordLogs();
        vm.prank(activator);
        escrow.removeNodes(jobId, 1);
        Vm.Log memory removed = _findLog(vm.getRecordedLogs(), DeeployEscrow.NodesRemoved.selector);
        (uint32 fewer, uint32 nodes, uint64 fromEpoch, uint256 refund) =
            abi.decode(removed.data, (uint32, uint32, uint64, uint256));
        assertEq(fewer, 1, "one node fewer");
        assertEq(nodes, 1, "one left");
        assertEq(fromEpoch, 2, "from the next epoch");
        assertEq(refund, 3 * ENTRY_PRICE, "refund in the event");
        assertEq(token.balanceOf(alice) - before, 3 * ENTRY_PRICE, "1 node * epochs 2, 3, 4 back to the owner");
        assertEq(token.balanceOf(activator), 0, "nothing to the activator");
        assertEq(escrow.nodesAt(jobId, 1), 2, "current epoch unchanged");
        assertEq(escrow.nodesAt(jobId, 2), 1, "one node from the next");
        vm.prank(activator);
        escrow.updateNodes(jobId, _list(n1));

        _warpToEpoch(3);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](4);
        batch[0] = _entry(jobId, 1, n1, 10_000);
        batch[1] = _entry(jobId, 1, n2, 10_000); // served the epoch of the change: paid
        batch[2] = _entry(jobId, 2, n1, 10_000);
        batch[3] = _entry(jobId, 2, n2, 10_000); // 8: no longer in the node set
        vm.recordLogs();
        _settle(batch);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons.length, 1, "one skipped");
        assertEq(reasons[0], escrow.SKIP_NODE_NOT_ASSIGNED(), "n2 gone from epoch 2");
        assertEq(escrow.claimable(n1), 2 * ENTRY_PRICE, "n1 both epochs");
        assertEq(escrow.claimable(n2), ENTRY_PRICE, "n2 the epoch it served");

        // Closing now refunds the one node's epochs not begun: the removed node is not refunded twice.
        before = token.balanceOf(alice);
        vm.prank(alice);
        escrow.closeJob(jobId);
        assertEq(token.balanceOf(alice) - before, ENTRY_PRICE, "epoch 4 of one node");
    }

    function test_removeNodes_refusals() public {
        uint256 jobId = _activeJob();
        uint8 nodesBit = escrow.PERM_NODES();
        uint8 extendBit = escrow.PERM_EXTEND();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, stranger, nodesBit));
        escrow.removeNodes(jobId, 1);
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, settler, nodesBit));
        escrow.removeNodes(jobId, 1);
        vm.prank(alice);
        escrow.setDelegate(agent, extendBit);
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, nodesBit));
        escrow.removeNodes(jobId, 1);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.TooFewNodes.selector, uint32(2), uint32(2)));
        escrow.removeNodes(jobId, 2);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroNodes.selector));
        escrow.removeNodes(jobId, 0);
        _warpToEpoch(4);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NoEpochsLeft.selector, jobId));
        escrow.removeNodes(jobId, 1);
        _warpToEpoch(6);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.JobExpired.selector, jobId, uint64(5)));
        escrow.removeNodes(jobId, 1);
        escrow.closeJob(jobId);
        vm.expectRevert(
            abi.encodeWithSelector(DeeployEscrow.InvalidJobState.selector, jobId, DeeployEscrow.JobState.Closed)
        );
        escrow.removeNodes(jobId, 1);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ redeem

    function test_redeem_neverActivatedRefundsEverything() public {
        uint256 jobId = _create(alice, 3, 7);
        vm.warp(block.timestamp + 10 * EPOCH);
        vm.prank(alice);
        escrow.redeemJob(jobId);
        assertEq(token.balanceOf(alice), START_BALANCE, "full refund");
        assertEq(_state(jobId), 4, "ended");
        assertEq(_held(jobId), 0, "holds nothing");
        assertEq(escrow.totalHeld(), 0, "totalHeld");
        assertEq(token.balanceOf(address(escrow)), 0, "escrow empty");

        vm.prank(activator);
        vm.expectRevert(
            abi.encodeWithSelector(DeeployEscrow.InvalidJobState.selector, jobId, DeeployEscrow.JobState.Ended)
        );
        escrow.activate(jobId, _list(n1));
    }

    function test_redeem_onlyNeverActivatedAndOnlyByOwner() public {
        uint256 jobId = _create(alice, 1, 2);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, stranger, uint8(8)));
        escrow.redeemJob(jobId);

        _activate(jobId, _list(n1));
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(DeeployEscrow.InvalidJobState.selector, jobId, DeeployEscrow.JobState.Active)
        );
        escrow.redeemJob(jobId);
    }

    // ------------------------------------------------------------------ close

    /// A greedy owner closes just after epochs ended and before the settler attests them: only the epochs not
    /// yet begun come back at once; the served ones stay for the nodes through the settle window, and what the
    /// nodes did not earn comes back with the release. (The old rule refunded all 10 node-epochs here.)
    function test_closeJob_refundsOnlyEpochsNotBegunAndKeepsServedOnesForSettlement() public {
        uint256 jobId = _activeJob(); // 2 nodes x [0, 5), 10 node-epochs, activated at an epoch's start
        _warpToEpoch(2); // epochs 0 and 1 served, not yet attested; epoch 2 begun
        uint256 before = token.balanceOf(alice);
        vm.recordLogs();
        vm.prank(alice);
        escrow.closeJob(jobId);
        assertEq(token.balanceOf(alice) - before, 4 * ENTRY_PRICE, "refund: epochs 3 and 4 of 2 nodes");
        Vm.Log memory closed = _findLog(vm.getRecordedLogs(), DeeployEscrow.JobClosed.selector);
        (uint256 refund, uint64 newEnd) = abi.decode(closed.data, (uint256, uint64));
        assertEq(refund, 4 * ENTRY_PRICE, "event refund");
        assertEq(newEnd, 3, "event end: after the current epoch");
        assertEq(_state(jobId), 3, "closed");
        assertEq(_endEpoch(jobId), 3, "ends after the current epoch");
        assertEq(_held(jobId), 6 * ENTRY_PRICE, "epochs 0-2 kept for settlement");
        assertEq(escrow.nodesAt(jobId, 3), 0, "nothing bought after the end");

        // The settler attests the served epochs after the close; the current one once it has ended.
        _warpToEpoch(3);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](6);
        batch[0] = _entry(jobId, 0, n1, 10_000);
        batch[1] = _entry(jobId, 0, n2, 10_000);
        batch[2] = _entry(jobId, 1, n1, 10_000);
        batch[3] = _entry(jobId, 1, n2, 9500);
        batch[4] = _entry(jobId, 2, n1, 10_000);
        batch[5] = _entry(jobId, 2, n2, 4000); // stopped serving: withheld, for the owner
        vm.recordLogs();
        _settle(batch);
        (uint256 paid, uint256 count) = _settled(vm.getRecordedLogs());
        assertEq(count, 6, "served epochs settled after the close");
        assertEq(paid, 5 * ENTRY_PRICE, "five node-epochs paid");
        _warpToEpoch(4);
        vm.recordLogs();
        _settleOne(jobId, 3, n1, 10_000);
        assertEq(_skipReasons(vm.getRecordedLogs())[0], escrow.SKIP_EPOCH_OUT_OF_RANGE(), "nothing after the end");

        // The rest waits for the window of the last epoch (2): released from epoch 3 + 3 on, by anyone.
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.SettleWindowOpen.selector, jobId, uint64(6)));
        escrow.releaseJob(jobId);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(DeeployEscrow.InvalidJobState.selector, jobId, DeeployEscrow.JobState.Closed)
        );
        escrow.closeJob(jobId);
        _warpToEpoch(6);
        before = token.balanceOf(alice);
        vm.prank(stranger);
        escrow.releaseJob(jobId);
        assertEq(token.balanceOf(alice) - before, ENTRY_PRICE, "the withheld share back to the owner");
        assertEq(token.balanceOf(stranger), 0, "nothing to the caller");
        assertEq(_state(jobId), 4, "ended");
        assertEq(_held(jobId), 0, "holds nothing");
        assertEq(escrow.totalHeld(), 0, "nothing held");
        assertEq(token.balanceOf(address(escrow)), 5 * ENTRY_PRICE, "only node credit left");
        vm.recordLogs();
        _settleOne(jobId, 2, n2, 10_000);
        assertEq(_skipReasons(vm.getRecordedLogs())[0], escrow.SKIP_JOB_CLOSED(), "ended: nothing more");
    }

    function test_closeJob_inTheLastEpochRefundsNothingAtOnce() public {
        uint256 jobId = _activeJob(); // [0, 5)
        _warpToEpoch(4);
        vm.prank(alice);
        escrow.closeJob(jobId);
        assertEq(token.balanceOf(alice), START_BALANCE - 10 * ENTRY_PRICE, "every epoch has begun");
        assertEq(_endEpoch(jobId), 5, "end unchanged");
        assertEq(_held(jobId), 10 * ENTRY_PRICE, "all kept for settlement");
    }

    function test_closeJob_fundedJobByOwnerRefundsEverything() public {
        uint256 jobId = _create(alice, 2, 2);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, stranger, uint8(8)));
        escrow.closeJob(jobId);
        vm.prank(alice);
        escrow.closeJob(jobId);
        assertEq(token.balanceOf(alice), START_BALANCE, "full refund");
        assertEq(_state(jobId), 4, "ended: nothing was served");
    }

    function test_closeJob_byTheActivatorAnyTimeRefundsTheOwnerNotTheActivator() public {
        uint256 active = _activeJob(); // 2 nodes x [0, 5)
        uint256 funded = _create(alice, 1, 3);
        _warpToEpoch(2);
        _settleOne(active, 0, n1, 10_000);
        _settleOne(active, 0, n2, 10_000);
        uint256 before = token.balanceOf(alice);
        vm.startPrank(activator);
        escrow.closeJob(active);
        escrow.closeJob(funded);
        vm.stopPrank();
        assertEq(token.balanceOf(alice) - before, 4 * ENTRY_PRICE + 3 * ENTRY_PRICE, "to the owner: epochs 3-4, and all of the funded job");
        assertEq(token.balanceOf(activator), 0, "nothing to the activator");
        assertEq(escrow.claimable(n1) + escrow.claimable(n2), 2 * ENTRY_PRICE, "earned credit kept");
        assertEq(_state(active), 3, "closed");
        assertEq(_state(funded), 4, "ended");
        assertEq(escrow.totalHeld(), 4 * ENTRY_PRICE, "epochs 1-2 held for settlement");
    }

    /// Anyone may close an expired job: it refunds nothing of what was served, and an oracle that lags behind
    /// still settles the last epochs within the window; after the window the rest goes back to the owner.
    function test_closeJob_afterExpiryByAnyoneKeepsTheWindowForTheLastEpochs() public {
        uint256 jobA = _activeJob(); // [0, 5)
        uint256 jobB = _activeJob();
        _warpToEpoch(4);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.JobNotExpired.selector, jobA, uint64(5)));
        escrow.closeJob(jobA);

        _warpToEpoch(5); // expired
        uint256 before = token.balanceOf(alice);
        vm.prank(stranger);
        escrow.closeJob(jobA);
        assertEq(token.balanceOf(alice), before, "nothing back at once: every epoch was served");
        _warpToEpoch(6); // the settler lags: epoch 3 is in its window's last epoch
        _settleOne(jobA, 3, n1, 10_000);
        _warpToEpoch(7); // and epoch 4 in its own
        _settleOne(jobA, 4, n1, 10_000);
        assertEq(escrow.claimable(n1), 2 * ENTRY_PRICE, "late settlements paid");
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.SettleWindowOpen.selector, jobB, uint64(8)));
        escrow.releaseJob(jobB);

        _warpToEpoch(8);
        vm.recordLogs();
        _settleOne(jobA, 4, n2, 10_000);
        assertEq(_skipReasons(vm.getRecordedLogs())[0], escrow.SKIP_WINDOW_OVER(), "too late");
        vm.startPrank(stranger);
        escrow.releaseJob(jobA);
        escrow.releaseJob(jobB); // expired and never closed: released the same way
        vm.stopPrank();
        assertEq(token.balanceOf(alice) - before, 8 * ENTRY_PRICE + 10 * ENTRY_PRICE, "the rest to the owner");
        assertEq(token.balanceOf(stranger), 0, "not to the caller");
        assertEq(escrow.totalHeld(), 0, "nothing held");
    }

    // ------------------------------------------------------------------ activation

    function test_activate_onlyActivator() public {
        uint256 jobId = _create(alice, 2, 5);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotActivator.selector, alice));
        escrow.activate(jobId, _list(n1));
    }

    function test_activate_setsTheStartEpochAndNodeSet() public {
        uint256 jobId = _create(alice, 2, 5);
        _warpToEpoch(3);
        vm.recordLogs();
        _activate(jobId, _list(n1, n2));
        (,,, uint64 startEpoch, uint64 endEpoch,,,, uint8 state,,,) = escrow.job(jobId);
        assertEq(startEpoch, 3, "starts in the activation epoch");
        assertEq(endEpoch, 8, "end exclusive");
        assertEq(state, 2, "active");
        address[] memory nodes = escrow.jobNodes(jobId);
        assertTrue(nodes.length == 2 && nodes[0] == n1 && nodes[1] == n2, "node set");
        assertTrue(escrow.isAssigned(jobId, 3, n1), "n1 assigned");
        assertTrue(!escrow.isAssigned(jobId, 3, n3), "n3 not");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs[0].topics[0], DeeployEscrow.JobActivated.selector, "JobActivated");
        (uint64 e, address[] memory evNodes) = abi.decode(logs[0].data, (uint64, address[]));
        assertTrue(e == 3 && evNodes.length == 2, "event data");
    }

    /// An activation late in an epoch pays that epoch pro rata: the owner is not charged a whole epoch for
    /// its last seconds.
    function test_activate_chargesTheActivationEpochProRata() public {
        uint256 jobId = _create(alice, 1, 3);
        vm.warp(escrow.epochStart(2) + 75); // 25 of the epoch's 100 seconds left
        _activate(jobId, _list(n1)); // [2, 5)
        assertEq(escrow.epochPrice(jobId, 2), ENTRY_PRICE / 4, "a quarter of the first epoch");
        assertEq(escrow.epochPrice(jobId, 3), ENTRY_PRICE, "full price after it");
        assertEq(escrow.epochPrice(jobId, 5), 0, "nothing after the end");
        _warpToEpoch(5);
        _settleOne(jobId, 2, n1, 10_000);
        _settleOne(jobId, 3, n1, 10_000);
        assertEq(escrow.claimable(n1), ENTRY_PRICE / 4 + ENTRY_PRICE, "the node earns the part it served");
        _warpToEpoch(8);
        uint256 before = token.balanceOf(alice);
        escrow.releaseJob(jobId);
        assertEq(token.balanceOf(alice) - before, ENTRY_PRICE * 3 / 4 + ENTRY_PRICE, "unused quarter and epoch 4 back");

        // In the epoch's last second the first epoch costs 1/100 of the price.
        uint256 late = _create(alice, 1, 1);
        vm.warp(escrow.epochStart(9) - 1);
        _activate(late, _list(n1));
        assertEq(escrow.epochPrice(late, 8), ENTRY_PRICE / 100, "one second of a hundred");
    }

    function test_activate_rejectsBadNodeSets() public {
        uint256 jobId = _create(alice, 2, 5);
        address[] memory three = new address[](3);
        (three[0], three[1], three[2]) = (n1, n2, n3);
        vm.startPrank(activator);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.EmptyNodeSet.selector));
        escrow.activate(jobId, new address[](0));
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.TooManyNodes.selector, uint256(3), uint32(2)));
        escrow.activate(jobId, three);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.DuplicateNode.selector, n1));
        escrow.activate(jobId, _list(n1, n1));
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.ZeroAddress.selector));
        escrow.activate(jobId, _list(address(0)));
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.UnknownJob.selector, uint256(42)));
        escrow.activate(42, _list(n1));
        escrow.activate(jobId, _list(n1));
        vm.expectRevert(
            abi.encodeWithSelector(DeeployEscrow.InvalidJobState.selector, jobId, DeeployEscrow.JobState.Active)
        );
        escrow.activate(jobId, _list(n2));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ settlement

    function test_settle_paysAtOrAboveTheThresholdAndWithholdsBelow() public {
        uint256 jobId = _activeJob();
        _warpToEpoch(1);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](2);
        batch[0] = _entry(jobId, 0, n1, THRESHOLD); // exactly the threshold: paid
        batch[1] = _entry(jobId, 0, n2, THRESHOLD - 1);
        vm.recordLogs();
        _settle(batch);
        (uint256 paid, uint256 count) = _settled(vm.getRecordedLogs());
        assertEq(count, 2, "both settled");
        assertEq(paid, ENTRY_PRICE, "one paid");
        assertEq(escrow.claimable(n1), ENTRY_PRICE, "n1 credited");
        assertEq(escrow.claimable(n2), 0, "n2 not");
        assertTrue(escrow.isSettled(jobId, 0, n1) && escrow.isSettled(jobId, 0, n2), "both marked");
        assertEq(escrow.paidNodesAt(jobId, 0), 1, "one node paid for epoch 0");
        assertEq(_held(jobId), 9 * ENTRY_PRICE, "withheld amount stays with the job");
        assertEq(escrow.totalHeld(), 9 * ENTRY_PRICE, "totalHeld");
        assertEq(escrow.totalClaimable(), ENTRY_PRICE, "totalClaimable");
    }

    function test_settle_badEntriesAreSkippedAndTheGoodOnesPaid() public {
        uint256 jobId = _activeJob(); // [0, 5), n1 n2
        uint256 funded = _create(bob, 1, 5);
        uint256 closed = _create(bob, 1, 5);
        vm.prank(bob);
        escrow.redeemJob(closed);
        _warpToEpoch(2);

        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](10);
        batch[0] = _entry(jobId, 0, n1, 10_000); // good
        batch[1] = _entry(999, 0, n1, 10_000); // 1 unknown job
        batch[2] = _entry(funded, 0, n1, 10_000); // 2 never activated
        batch[3] = _entry(closed, 0, n1, 10_000); // 3 closed
        batch[4] = _entry(jobId, 0, n2, 10_001); // 4 uptime over 100%
        batch[5] = _entry(jobId, 2, n1, 10_000); // 5 current epoch, not ended
        batch[6] = _entry(jobId, 7, n1, 10_000); // 5 future epoch
        batch[7] = _entry(jobId, 0, n1, 10_000); // 7 duplicate of entry 0
        batch[8] = _entry(jobId, 0, n3, 10_000); // 8 not one of the job's nodes
        batch[9] = _entry(jobId, 1, n2, 10_000); // good
        vm.recordLogs();
        _settle(batch);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint8[] memory reasons = _skipReasons(logs);
        uint8[8] memory expected = [1, 2, 3, 4, 5, 5, 7, 8];
        assertEq(reasons.length, expected.length, "eight skipped");
        for (uint256 i; i < expected.length; ++i) {
            assertEq(reasons[i], expected[i], "skip reason");
        }
        (uint256 paid, uint256 count) = _settled(logs);
        assertEq(count, 2, "two settled");
        assertEq(paid, 2 * ENTRY_PRICE, "two paid");
        assertEq(escrow.claimable(n1), ENTRY_PRICE, "n1 paid once");
        assertEq(escrow.claimable(n2), ENTRY_PRICE, "n2 paid for epoch 1");
    }

    function test_settle_epochOutsideThePaidRangeIsSkipped() public {
        uint256 jobId = _create(alice, 1, 2);
        _warpToEpoch(3);
        _activate(jobId, _list(n1)); // [3, 5)
        _warpToEpoch(6);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](3);
        batch[0] = _entry(jobId, 2, n1, 10_000); // before the start
        batch[1] = _entry(jobId, 5, n1, 10_000); // at the end (exclusive)
        batch[2] = _entry(jobId, 4, n1, 10_000); // last paid epoch
        vm.recordLogs();
        _settle(batch);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons.length, 2, "two skipped");
        assertEq(reasons[0], escrow.SKIP_EPOCH_OUT_OF_RANGE(), "before start");
        assertEq(reasons[1], escrow.SKIP_EPOCH_OUT_OF_RANGE(), "after end");
        assertEq(escrow.claimable(n1), ENTRY_PRICE, "last epoch paid");
    }

    function test_settle_afterTheWindowIsSkipped() public {
        uint256 jobId = _activeJob(); // [0, 5)
        _warpToEpoch(4); // epoch 0 ended 4 epochs ago, epoch 1 three
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](2);
        batch[0] = _entry(jobId, 0, n1, 10_000);
        batch[1] = _entry(jobId, 1, n1, 10_000);
        vm.recordLogs();
        _settle(batch);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons.length, 1, "one skipped");
        assertEq(reasons[0], escrow.SKIP_WINDOW_OVER(), "epoch 0 too late");
        assertEq(escrow.claimable(n1), ENTRY_PRICE, "epoch 1 paid");
    }

    /// Settled marks are kept 256 epochs to a slot and paid counts 8 to a slot: neighbours across a slot
    /// boundary stay apart.
    function test_settle_marksAndCountsAcrossStorageWords() public {
        uint256 jobId = _create(alice, 1, 300);
        uint256 other = _create(bob, 1, 300);
        _activate(jobId, _list(n1)); // [0, 300)
        _activate(other, _list(n1));
        // A failover of the other job in epoch 256 makes two nodes eligible for that epoch.
        _warpToEpoch(256);
        vm.prank(activator);
        escrow.updateNodes(other, _list(n2));
        _warpToEpoch(258);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](3);
        batch[0] = _entry(jobId, 255, n1, 10_000);
        batch[1] = _entry(jobId, 256, n1, 10_000);
        batch[2] = _entry(jobId, 257, n1, 10_000);
        _settle(batch);
        assertEq(escrow.claimable(n1), 3 * ENTRY_PRICE, "three paid");
        assertTrue(escrow.isSettled(jobId, 255, n1) && escrow.isSettled(jobId, 256, n1), "both sides of a mark slot");
        assertTrue(!escrow.isSettled(jobId, 254, n1) && !escrow.isSettled(jobId, 258, n1), "neighbours untouched");
        assertEq(escrow.paidNodesAt(jobId, 255), 1, "count in one slot");
        assertEq(escrow.paidNodesAt(jobId, 256), 1, "count in the next");
        assertEq(escrow.paidNodesAt(jobId, 254), 0, "neighbour count untouched");

        // The cap of one holds in the new count slot, and epoch 255 (the previous count slot) is apart.
        vm.recordLogs();
        _settleOne(other, 256, n1, 10_000);
        _settleOne(other, 256, n2, 10_000);
        _settleOne(other, 255, n1, 10_000);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons.length, 1, "one skipped");
        assertEq(reasons[0], escrow.SKIP_EPOCH_FULL(), "the epoch paid its one node");
        assertEq(escrow.paidNodesAt(other, 256), 1, "capped");
        assertEq(escrow.paidNodesAt(other, 255), 1, "its own count");
    }

    function test_settle_twiceIsSkipped() public {
        uint256 jobId = _activeJob();
        _warpToEpoch(1);
        _settleOne(jobId, 0, n1, 10_000);
        _settleOne(jobId, 0, n2, 100); // withheld is final too
        vm.recordLogs();
        _settleOne(jobId, 0, n1, 10_000);
        _settleOne(jobId, 0, n2, 10_000);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons.length, 2, "both skipped");
        assertEq(reasons[0], escrow.SKIP_ALREADY_SETTLED(), "paid entry");
        assertEq(reasons[1], escrow.SKIP_ALREADY_SETTLED(), "withheld entry");
        assertEq(escrow.claimable(n1), ENTRY_PRICE, "paid once");
        assertEq(escrow.claimable(n2), 0, "never paid");
    }

    function test_settle_onlySettlerAndEmptyBatch() public {
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](0);
        vm.prank(activator);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotSettler.selector, activator));
        escrow.settle(batch);
        _settle(batch);
    }

    // ------------------------------------------------------------------ claim

    function test_claim_transfersTheCredit() public {
        uint256 jobId = _activeJob();
        _warpToEpoch(3);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](2);
        batch[0] = _entry(jobId, 0, n1, 10_000);
        batch[1] = _entry(jobId, 1, n1, 10_000);
        _settle(batch);
        assertEq(escrow.claimable(n1), 2 * ENTRY_PRICE, "credit");

        vm.prank(n1);
        escrow.claim();
        assertEq(token.balanceOf(n1), 2 * ENTRY_PRICE, "transferred");
        assertEq(escrow.claimable(n1), 0, "credit spent");
        assertEq(escrow.totalClaimable(), 0, "totalClaimable");
        vm.prank(n1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NothingToClaim.selector));
        escrow.claim();
    }

    // ------------------------------------------------------------------ delegates

    function test_delegate_createBit() public {
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, uint8(1)));
        escrow.createJobFor(alice, ENTRY, 1, 2, bytes32(0), keccak256("x"));

        uint8 create = escrow.PERM_CREATE(); // read before the prank: it would be spent on this call
        vm.prank(alice);
        escrow.setDelegate(agent, create);
        vm.prank(agent);
        uint256 jobId = escrow.createJobFor(alice, ENTRY, 1, 2, bytes32(0), keccak256("x"));
        (address owner,,,,,,,,,,,) = escrow.job(jobId);
        assertEq(owner, alice, "alice owns it");
        assertEq(token.balanceOf(alice), START_BALANCE - 2 * ENTRY_PRICE, "alice paid");
        assertEq(escrow.jobIdForDelegateRequest(alice, agent, keccak256("x")), jobId, "under the agent's key");
        assertEq(escrow.jobIdForRequest(alice, keccak256("x")), 0, "not under alice's own");
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.DuplicateRequest.selector, jobId));
        escrow.createJobFor(alice, ENTRY, 1, 2, bytes32(0), keccak256("x"));

        // A grant from alice says nothing about bob; revoking takes the right away.
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, uint8(1)));
        escrow.createJobFor(bob, ENTRY, 1, 2, bytes32(0), bytes32(0));
        vm.prank(alice);
        escrow.setDelegate(agent, 0);
        vm.prank(agent);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, uint8(1)));
        escrow.createJobFor(alice, ENTRY, 1, 2, bytes32(0), bytes32(0));
    }

    /// A delegate with the create bit takes the owner's future request ids with tiny jobs: the owner's own
    /// creates with those ids still go through, each under the owner's key.
    function test_delegate_cannotTakeTheOwnersRequestIds() public {
        uint8 create = escrow.PERM_CREATE();
        vm.prank(alice);
        escrow.setDelegate(agent, create);
        vm.startPrank(agent);
        uint256 squat1 = escrow.createJobFor(alice, 53, 1, 1, bytes32(0), keccak256("deploy-1"));
        uint256 squat2 = escrow.createJobFor(alice, 53, 1, 1, bytes32(0), keccak256("deploy-2"));
        vm.stopPrank();
        vm.startPrank(alice);
        uint256 real1 = escrow.createJob(ENTRY, 2, 5, keccak256("project"), keccak256("deploy-1"));
        uint256 real2 = escrow.createJob(ENTRY, 2, 5, keccak256("project"), keccak256("deploy-2"));
        vm.stopPrank();
        assertEq(escrow.jobIdForRequest(alice, keccak256("deploy-1")), real1, "alice's first create");
        assertEq(escrow.jobIdForRequest(alice, keccak256("deploy-2")), real2, "alice's second create");
        assertEq(escrow.jobIdForDelegateRequest(alice, agent, keccak256("deploy-1")), squat1, "the agent's own");
        assertEq(escrow.jobIdForDelegateRequest(alice, agent, keccak256("deploy-2")), squat2, "the agent's own");
        // The owner's retry is still idempotent.
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.DuplicateRequest.selector, real1));
        escrow.createJob(ENTRY, 2, 5, keccak256("project"), keccak256("deploy-1"));
    }

    function test_delegate_extendNodesRedeemBits() public {
        uint256 jobId = _create(alice, 1, 2);
        uint8 extend = escrow.PERM_EXTEND();
        vm.prank(alice);
        escrow.setDelegate(agent, extend);
        assertEq(escrow.delegatePermissions(alice, agent), 2, "stored");

        vm.startPrank(agent);
        escrow.extendJob(jobId, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, uint8(4)));
        escrow.addNodes(jobId, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, uint8(8)));
        escrow.redeemJob(jobId);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, uint8(8)));
        escrow.closeJob(jobId);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, uint8(1)));
        escrow.createJobFor(alice, ENTRY, 1, 1, bytes32(0), bytes32(0));
        vm.stopPrank();

        uint8 nodesAndRedeem = escrow.PERM_NODES() | escrow.PERM_REDEEM();
        vm.prank(alice);
        escrow.setDelegate(agent, nodesAndRedeem);
        vm.startPrank(agent);
        escrow.addNodes(jobId, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotAuthorized.selector, agent, uint8(2)));
        escrow.extendJob(jobId, 1);
        escrow.redeemJob(jobId);
        vm.stopPrank();
        assertEq(token.balanceOf(alice), START_BALANCE, "owner paid everything and got it all back");
        assertEq(token.balanceOf(agent), 0, "delegate never pays nor receives");
    }

    function test_delegate_redeemBitClosesAnActiveJob() public {
        uint256 jobId = _activeJob(); // 2 nodes x [0, 5)
        uint8 redeem = escrow.PERM_REDEEM();
        vm.prank(alice);
        escrow.setDelegate(agent, redeem);
        _warpToEpoch(1);
        vm.prank(agent);
        escrow.closeJob(jobId);
        assertEq(token.balanceOf(alice), START_BALANCE - 4 * ENTRY_PRICE, "epochs 2-4 refunded to alice");
        _warpToEpoch(5);
        vm.prank(agent);
        escrow.releaseJob(jobId);
        assertEq(token.balanceOf(alice), START_BALANCE, "nothing attested: the rest after the window");
        assertEq(token.balanceOf(agent), 0, "nothing to the delegate");
    }

    function test_setDelegate_rejectsBadInput() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.InvalidPermissions.selector, uint8(16)));
        escrow.setDelegate(agent, 16);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.InvalidDelegate.selector, alice));
        escrow.setDelegate(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.InvalidDelegate.selector, address(0)));
        escrow.setDelegate(address(0), 1);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ failover

    function test_failover_newNodePaidForLaterEpochsOldNodeNot() public {
        uint256 jobId = _create(alice, 1, 4);
        _activate(jobId, _list(n1)); // [0, 4) on n1
        _warpToEpoch(1);
        vm.prank(activator);
        escrow.updateNodes(jobId, _list(n2)); // n1 failed during epoch 1; n2 takes over
        _warpToEpoch(3);

        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](6);
        batch[0] = _entry(jobId, 0, n1, 10_000); // paid
        batch[1] = _entry(jobId, 0, n2, 10_000); // 8: n2 was not assigned in epoch 0
        batch[2] = _entry(jobId, 1, n1, 3000); // failover epoch: n1 below threshold, withheld
        batch[3] = _entry(jobId, 1, n2, 9500); // failover epoch: n2 paid
        batch[4] = _entry(jobId, 2, n1, 10_000); // 8: n1 left in epoch 1
        batch[5] = _entry(jobId, 2, n2, 10_000); // paid
        vm.recordLogs();
        _settle(batch);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons.length, 2, "two skipped");
        assertEq(reasons[0], escrow.SKIP_NODE_NOT_ASSIGNED(), "n2 before it joined");
        assertEq(reasons[1], escrow.SKIP_NODE_NOT_ASSIGNED(), "n1 after it left");
        assertEq(escrow.claimable(n1), ENTRY_PRICE, "old node: epoch 0 only");
        assertEq(escrow.claimable(n2), 2 * ENTRY_PRICE, "new node: epochs 1 and 2");
        assertTrue(escrow.isAssigned(jobId, 1, n1) && escrow.isAssigned(jobId, 1, n2), "both in failover epoch");
        assertEq(escrow.nodeSetCount(jobId), 2, "two versions");
        (uint64 fromEpoch, address[] memory nodes) = escrow.nodeSetAt(jobId, 1);
        assertTrue(fromEpoch == 1 && nodes.length == 1 && nodes[0] == n2, "version 1");

        vm.prank(alice);
        escrow.closeJob(jobId); // in epoch 3, the last: nothing back at once
        _warpToEpoch(4 + WINDOW);
        escrow.releaseJob(jobId);
        assertEq(token.balanceOf(alice), START_BALANCE - 3 * ENTRY_PRICE, "alice paid for 3 attested node-epochs");
    }

    function test_failover_epochPaysAtMostTheNodesBought() public {
        uint256 jobId = _create(alice, 1, 4);
        _activate(jobId, _list(n1));
        _warpToEpoch(1);
        vm.prank(activator);
        escrow.updateNodes(jobId, _list(n2));
        _warpToEpoch(2);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](2);
        batch[0] = _entry(jobId, 1, n1, 10_000);
        batch[1] = _entry(jobId, 1, n2, 10_000);
        vm.recordLogs();
        _settle(batch);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons.length, 1, "one skipped");
        assertEq(reasons[0], escrow.SKIP_EPOCH_FULL(), "only one node was bought");
        assertEq(escrow.claimable(n1), ENTRY_PRICE, "first attested is paid");
        assertEq(escrow.claimable(n2), 0, "second is not");
        assertTrue(!escrow.isSettled(jobId, 1, n2), "a skipped entry is not marked settled");
    }

    function test_failover_nodeThatLeavesAndComesBack() public {
        uint256 jobId = _create(alice, 1, 6);
        _activate(jobId, _list(n1));
        _warpToEpoch(1);
        vm.prank(activator);
        escrow.updateNodes(jobId, _list(n2));
        _warpToEpoch(3);
        vm.prank(activator);
        escrow.updateNodes(jobId, _list(n1));
        assertTrue(escrow.isAssigned(jobId, 0, n1), "n1 epoch 0");
        assertTrue(escrow.isAssigned(jobId, 1, n1), "n1 epoch 1 (failover)");
        assertTrue(!escrow.isAssigned(jobId, 2, n1), "n1 not in epoch 2");
        assertTrue(escrow.isAssigned(jobId, 3, n1), "n1 back in epoch 3");
        assertTrue(escrow.isAssigned(jobId, 5, n1), "and later");
        assertTrue(!escrow.isAssigned(jobId, 0, n2), "n2 not in epoch 0");
        assertTrue(escrow.isAssigned(jobId, 2, n2), "n2 epoch 2");
        assertTrue(escrow.isAssigned(jobId, 3, n2), "n2 epoch 3 (failover)");
        assertTrue(!escrow.isAssigned(jobId, 4, n2), "n2 gone in epoch 4");
    }

    function test_failover_severalUpdatesInOneEpoch() public {
        uint256 jobId = _create(alice, 1, 4);
        _activate(jobId, _list(n1));
        vm.startPrank(activator);
        escrow.updateNodes(jobId, _list(n2));
        escrow.updateNodes(jobId, new address[](0)); // no node for a moment
        escrow.updateNodes(jobId, _list(n3));
        vm.stopPrank();
        assertTrue(escrow.isAssigned(jobId, 0, n1) && escrow.isAssigned(jobId, 0, n2), "all versions of epoch 0");
        assertTrue(escrow.isAssigned(jobId, 0, n3), "n3 epoch 0");
        assertTrue(!escrow.isAssigned(jobId, 1, n1) && !escrow.isAssigned(jobId, 1, n2), "only n3 later");
        assertTrue(escrow.isAssigned(jobId, 1, n3), "n3 epoch 1");
    }

    function test_addNodes_newCapacityIsPaidFromTheNextEpoch() public {
        uint256 jobId = _create(alice, 1, 4);
        _activate(jobId, _list(n1));
        _warpToEpoch(1);
        vm.prank(alice);
        escrow.addNodes(jobId, 1); // from epoch 2
        vm.prank(activator);
        escrow.updateNodes(jobId, _list(n1, n2));
        _warpToEpoch(3);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](4);
        batch[0] = _entry(jobId, 1, n1, 10_000);
        batch[1] = _entry(jobId, 1, n2, 10_000); // 9: epoch 1 bought one node
        batch[2] = _entry(jobId, 2, n1, 10_000);
        batch[3] = _entry(jobId, 2, n2, 10_000);
        vm.recordLogs();
        _settle(batch);
        uint8[] memory reasons = _skipReasons(vm.getRecordedLogs());
        assertEq(reasons.length, 1, "one skipped");
        assertEq(reasons[0], escrow.SKIP_EPOCH_FULL(), "epoch 1 full");
        assertEq(escrow.claimable(n1), 2 * ENTRY_PRICE, "n1 both epochs");
        assertEq(escrow.claimable(n2), ENTRY_PRICE, "n2 from epoch 2");
    }

    function test_updateNodes_onlyActivatorAndOnlyActive() public {
        uint256 jobId = _create(alice, 1, 4);
        vm.prank(activator);
        vm.expectRevert(
            abi.encodeWithSelector(DeeployEscrow.InvalidJobState.selector, jobId, DeeployEscrow.JobState.Funded)
        );
        escrow.updateNodes(jobId, _list(n1));
        _activate(jobId, _list(n1));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.NotActivator.selector, alice));
        escrow.updateNodes(jobId, _list(n2));
        vm.prank(activator);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.TooManyNodes.selector, uint256(2), uint32(1)));
        escrow.updateNodes(jobId, _list(n2, n3));
    }

    // ------------------------------------------------------------------ reentrancy

    function test_reentrantTokenIsStopped() public {
        ReentrantToken evil = new ReentrantToken();
        DeeployEscrow target = new DeeployEscrow(address(evil), activator, settler, EPOCH, THRESHOLD, WINDOW);
        evil.aim(target);
        vm.expectRevert(abi.encodeWithSelector(DeeployEscrow.Reentrancy.selector));
        target.createJob(ENTRY, 1, 1, bytes32(0), bytes32(0));
    }

    // ------------------------------------------------------------------ gas (./test.sh --match-test test_gas -vv)

    function test_gas_createJob() public {
        vm.prank(alice);
        uint256 before = gasleft();
        escrow.createJob(ENTRY, 2, 30, keccak256("p"), keccak256("r"));
        log("gas createJob (first job of the owner)", before - gasleft());
    }

    function test_gas_settleOneEntry() public {
        uint256 jobId = _activeJob();
        _warpToEpoch(1);
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](1);
        batch[0] = _entry(jobId, 0, n1, 10_000);
        vm.prank(settler);
        uint256 before = gasleft();
        escrow.settle(batch);
        log("gas settle, 1 paid entry", before - gasleft());
    }

    function test_gas_settleTenEntries() public {
        address[] memory nodes = new address[](5);
        (nodes[0], nodes[1], nodes[2], nodes[3], nodes[4]) = (n1, n2, n3, n4, address(0x1005));
        uint256 jobId = _create(alice, 5, 2);
        _activate(jobId, nodes);
        _warpToEpoch(2); // both epochs ended, within the window
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](10);
        for (uint256 i; i < 10; ++i) {
            batch[i] = _entry(jobId, uint64(i / 5), nodes[i % 5], 10_000);
        }
        vm.prank(settler);
        uint256 before = gasleft();
        escrow.settle(batch);
        log("gas settle, 10 paid entries", before - gasleft());
        assertEq(escrow.claimable(n1), 2 * ENTRY_PRICE, "all ten paid");
    }
}

/// @dev A token that calls back into the escrow from transferFrom, as a malicious token would.
contract ReentrantToken {
    DeeployEscrow private target;

    function aim(DeeployEscrow escrow_) external {
        target = escrow_;
    }

    function transferFrom(address, address, uint256) external returns (bool) {
        target.createJob(1, 1, 1, bytes32(0), bytes32(0));
        return true;
    }

    function transfer(address, uint256) external pure returns (bool) {
        return true;
    }
}
