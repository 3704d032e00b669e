// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.28;

import {TestBase, Vm} from "./TestBase.sol";
import {DeeployUSD} from "../src/DeeployUSD.sol";
import {DeeployEscrow} from "../src/DeeployEscrow.sol";

/// @notice A token, an escrow with 100-second epochs, a 90% uptime threshold and a 3-epoch settle window,
///         funded owners and nodes.
abstract contract EscrowFixture is TestBase {
    uint64 internal constant EPOCH = 100;
    uint16 internal constant THRESHOLD = 9000;
    uint64 internal constant WINDOW = 3;
    uint8 internal constant ENTRY = 1;
    uint256 internal constant ENTRY_PRICE = 375_000;
    uint256 internal constant START_BALANCE = 1_000_000e6;

    DeeployUSD internal token;
    DeeployEscrow internal escrow;

    address internal activator = address(0x0AC1E);
    address internal settler = address(0x5E77);
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal agent = address(0xA6E47);
    address internal stranger = address(0x57A9);
    address internal n1 = address(0x1001);
    address internal n2 = address(0x1002);
    address internal n3 = address(0x1003);
    address internal n4 = address(0x1004);

    uint256 private _requestNonce;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        token = new DeeployUSD();
        escrow = new DeeployEscrow(address(token), activator, settler, EPOCH, THRESHOLD, WINDOW);
        address[2] memory owners = [alice, bob];
        for (uint256 i; i < owners.length; ++i) {
            token.mint(owners[i], START_BALANCE);
            vm.prank(owners[i]);
            token.approve(address(escrow), type(uint256).max);
        }
    }

    // ---- helpers

    function _create(address owner, uint32 nodes, uint32 epochs) internal returns (uint256 jobId) {
        vm.prank(owner);
        jobId = escrow.createJob(ENTRY, nodes, epochs, keccak256("project"), bytes32(++_requestNonce));
    }

    function _activate(uint256 jobId, address[] memory nodes) internal {
        vm.prank(activator);
        escrow.activate(jobId, nodes);
    }

    /// @dev A 2-node, 5-epoch ENTRY job for alice, activated on n1 and n2 in the current epoch.
    function _activeJob() internal returns (uint256 jobId) {
        jobId = _create(alice, 2, 5);
        _activate(jobId, _list(n1, n2));
    }

    function _warpToEpoch(uint64 epoch) internal {
        vm.warp(escrow.genesis() + uint256(epoch) * EPOCH + 1);
    }

    function _list(address a) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = a;
    }

    function _list(address a, address b) internal pure returns (address[] memory l) {
        l = new address[](2);
        (l[0], l[1]) = (a, b);
    }

    function _entry(uint256 jobId, uint64 epoch, address node, uint16 uptime)
        internal
        pure
        returns (DeeployEscrow.Settlement memory)
    {
        return DeeployEscrow.Settlement(jobId, epoch, node, uptime);
    }

    function _settle(DeeployEscrow.Settlement[] memory batch) internal {
        vm.prank(settler);
        escrow.settle(batch);
    }

    function _settleOne(uint256 jobId, uint64 epoch, address node, uint16 uptime) internal {
        DeeployEscrow.Settlement[] memory batch = new DeeployEscrow.Settlement[](1);
        batch[0] = _entry(jobId, epoch, node, uptime);
        _settle(batch);
    }

    function _held(uint256 jobId) internal view returns (uint256) {
        return escrow.jobBalance(jobId);
    }

    function _state(uint256 jobId) internal view returns (uint8 state) {
        (,,,,,,,, state,,,) = escrow.job(jobId);
    }

    function _endEpoch(uint256 jobId) internal view returns (uint64 endEpoch) {
        (,,,, endEpoch,,,,,,,) = escrow.job(jobId);
    }

    /// @dev The first log of the escrow with event `topic`; fails when there is none.
    function _findLog(Vm.Log[] memory logs, bytes32 topic) internal view returns (Vm.Log memory) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(escrow) && logs[i].topics[0] == topic) return logs[i];
        }
        revert("event not emitted");
    }

    /// @dev The skip reasons, in order, from SettlementSkipped events in recorded logs.
    function _skipReasons(Vm.Log[] memory logs) internal view returns (uint8[] memory reasons) {
        bytes32 topic = DeeployEscrow.SettlementSkipped.selector;
        uint256 count;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(escrow) && logs[i].topics[0] == topic) ++count;
        }
        reasons = new uint8[](count);
        count = 0;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(escrow) && logs[i].topics[0] == topic) {
                (,, uint8 reason) = abi.decode(logs[i].data, (uint64, address, uint8));
                reasons[count++] = reason;
            }
        }
    }

    /// @dev Sum of `paid` over EpochSettled events in recorded logs, and how many there were.
    function _settled(Vm.Log[] memory logs) internal view returns (uint256 paid, uint256 count) {
        bytes32 topic = DeeployEscrow.EpochSettled.selector;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(escrow) && logs[i].topics[0] == topic) {
                (uint256 amount,) = abi.decode(logs[i].data, (uint256, uint16));
                paid += amount;
                ++count;
            }
        }
    }
}
