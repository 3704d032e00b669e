// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.28;

import {TestBase} from "./TestBase.sol";
import {DeeployUSD} from "../src/DeeployUSD.sol";

contract DeeployUSDTest is TestBase {
    DeeployUSD private token;
    address private alice = address(0xA11CE);
    address private bob = address(0xB0B);

    function setUp() public {
        token = new DeeployUSD();
    }

    function test_metadata() public view {
        assertEq(keccak256(bytes(token.name())), keccak256("Deeploy USD"), "name");
        assertEq(keccak256(bytes(token.symbol())), keccak256("dUSD"), "symbol");
        assertEq(token.decimals(), 6, "decimals");
        assertEq(token.owner(), address(this), "deployer owns it");
    }

    function test_mint_onlyOwner() public {
        token.mint(alice, 5e6);
        assertEq(token.balanceOf(alice), 5e6, "minted");
        assertEq(token.totalSupply(), 5e6, "supply");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployUSD.NotOwner.selector, alice));
        token.mint(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(DeeployUSD.ZeroAddress.selector));
        token.mint(address(0), 1);
    }

    function test_transferOwnership() public {
        token.transferOwnership(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployUSD.NotOwner.selector, address(this)));
        token.mint(alice, 1);
        vm.prank(alice);
        token.mint(bob, 1);
        assertEq(token.balanceOf(bob), 1, "new owner mints");
    }

    function test_transfer() public {
        token.mint(alice, 10);
        vm.prank(alice);
        assertTrue(token.transfer(bob, 4), "returns true");
        assertEq(token.balanceOf(alice), 6, "sender");
        assertEq(token.balanceOf(bob), 4, "receiver");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployUSD.InsufficientBalance.selector, alice, 6, 7));
        token.transfer(bob, 7);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(DeeployUSD.ZeroAddress.selector));
        token.transfer(address(0), 1);
    }

    function test_transferFrom_spendsTheAllowance() public {
        token.mint(alice, 10);
        vm.prank(alice);
        token.approve(address(this), 6);
        assertTrue(token.transferFrom(alice, bob, 4), "returns true");
        assertEq(token.allowance(alice, address(this)), 2, "allowance spent");
        vm.expectRevert(abi.encodeWithSelector(DeeployUSD.InsufficientAllowance.selector, address(this), 2, 3));
        token.transferFrom(alice, bob, 3);
    }

    function test_transferFrom_infiniteAllowanceStays() public {
        token.mint(alice, 10);
        vm.prank(alice);
        token.approve(address(this), type(uint256).max);
        token.transferFrom(alice, bob, 10);
        assertEq(token.allowance(alice, address(this)), type(uint256).max, "not decreased");
    }

    function testFuzz_transferKeepsSupply(uint256 minted, uint256 sent) public {
        minted = bound(minted, 0, type(uint128).max);
        sent = bound(sent, 0, minted);
        token.mint(alice, minted);
        vm.prank(alice);
        token.transfer(bob, sent);
        assertEq(token.balanceOf(alice) + token.balanceOf(bob), token.totalSupply(), "supply conserved");
    }
}
