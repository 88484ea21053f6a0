"""Pages of the 五星支部创建 module: thin views over the selectors and services."""
