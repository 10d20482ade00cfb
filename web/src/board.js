// Placeholder entry replaced by the board application below.
