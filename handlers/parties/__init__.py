"""The parties: resolving what people write into party keys, memberships, ad-hoc groups."""
