#![deny(warnings)]

use axum_jwt_guard::{Jwt, PrivateClaims};

#[derive(PrivateClaims, Debug, PartialEq)]
pub struct Profile {
    pub user_id: u64,
    #[claim(rename = "perm")]
    pub permission_level: u8,
    #[claim(default)]
    pub karma: i64,
    pub nickname: Option<String>,
    #[claim(skip_serializing_if_none)]
    pub avatar: Option<String>,
    pub tags: Vec<String>,
    pub r#loop: bool,
}

#[derive(PrivateClaims)]
struct Empty {}

fn main() {
    let jwt = Jwt::builder()
        .secret([7u8; 32])
        .private_claim_prefix("app")
        .build()
        .expect("config");
    let profile = Profile {
        user_id: 1,
        permission_level: 9,
        karma: -3,
        nickname: None,
        avatar: None,
        tags: vec!["a".into()],
        r#loop: true,
    };
    let token = jwt
        .access_token("alice")
        .private_claims(&profile)
        .sign()
        .expect("sign");
    let verified = jwt.verify_access::<Profile>(&token).expect("verify");
    assert_eq!(verified.private_claims(), &profile);
    let _ = jwt.access_token("bob").private_claims(&Empty {}).sign();
}
