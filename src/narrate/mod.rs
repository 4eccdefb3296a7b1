//! From a parsed directive and the data set to text: compute, format numbers, render templates.
