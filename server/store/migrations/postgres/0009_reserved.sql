-- Reserved for the network2 branch's migration 0009 (issue 17: member rename, network covenant,
-- tables, reviews). This placeholder only keeps the numbers without a gap on the privacy branch:
-- when both branches are merged, delete this file and keep network2's 0009.
SELECT 1;
