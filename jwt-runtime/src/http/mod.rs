//! The axum ring: the admission pipeline ([`admit`]) and what runs it, the extractors
//! ([`extract`]), the layers ([`layer`]) and the built-in `/auth` routes ([`endpoints`]).

pub(crate) mod admit;
pub(crate) mod endpoints;
pub(crate) mod extract;
pub(crate) mod layer;
