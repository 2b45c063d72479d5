//! The caller, from `Authorization: Bearer <access token>` (S4): what every signed-in route extracts first,
//! before it reads any body.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use seeg_application::identity::AuthenticationError;
use seeg_domain::identity::User;

use crate::error::ApiError;
use crate::state::ApiState;

/// The caller, from `Authorization: Bearer <access token>`; the account must still be `actif` (S4).
#[derive(Debug, Clone)]
pub struct Caller(pub User);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<ApiState>>().cloned();
        let bearer = crate::params::bearer_token(req.headers()).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("état de l'API absent")))?;
            let token = bearer.ok_or(ApiError::NotAuthenticated)?;
            Ok(Caller(signed_in(&state, &token).await?))
        })
    }
}

/// The active account an access token names (S4), or the refusal every signed-in route answers.
pub(crate) async fn signed_in(state: &ApiState, token: &str) -> Result<User, ApiError> {
    match state.accounts.authenticate(token).await {
        Ok(user) => Ok(user),
        Err(AuthenticationError::InvalidToken) => Err(ApiError::invalid_token()),
        Err(AuthenticationError::Store(error)) => Err(error.into()),
    }
}
