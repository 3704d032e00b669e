// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.28;

/// @notice The part of ERC-20 the escrow uses.
interface IERC20 {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}
