use axum_jwt_guard::jwt_required;

struct Api;

impl Api {
    #[jwt_required]
    async fn handler(&self) {}
}

fn main() {}
