// Nothing is public yet: exports arrive with the first real component of this package.
export {};
