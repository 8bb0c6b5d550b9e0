use axum::http::{HeaderMap, Method, Uri, Version};
use axum_jwt_guard::jwt_required;

#[jwt_required]
async fn handler(
    _a: HeaderMap, _b: Method, _c: Uri, _d: Version, _e: HeaderMap, _f: Method,
    _g: Uri, _h: Version, _i: HeaderMap, _j: Method, _k: Uri, _l: Version,
    _m: HeaderMap, _n: Method, _o: Uri, _p: Version, _q: HeaderMap,
) {}

fn main() {}
