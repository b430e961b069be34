"""The simulated distributor: reference data, orders with injected exceptions, ground truth."""
