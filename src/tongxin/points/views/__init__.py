"""Pages of 党群积分, one module per page family."""
