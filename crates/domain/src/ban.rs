//! The préfet's ban from premises (art. L.22-11-1 CSI, loi n° 2025-532): a person may be forbidden
//! to enter given premises (a residence, some of its buildings or common parts) for at most one
//! month, for repeated group occupation linked to trafficking, after the procureur was informed.
//! The longest duration is dated legal data (`reference/legal-delays.json`).

use chrono::{Months, NaiveDate};

use crate::delays::{DelayRule, LegalDelays};

/// Why a ban is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BanError {
    #[error("a ban ends on or after its first day")]
    EndBeforeStart,
    #[error("a ban lasts at most {0} month(s): it must end by {1}")]
    TooLong(u32, NaiveDate),
    #[error("the procureur is informed before the ban starts")]
    ProcureurInformedAfterStart,
    #[error("the procureur cannot be informed after today")]
    InformedInTheFuture,
}

impl BanError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::EndBeforeStart => "end_before_start",
            Self::TooLong(..) => "ban_too_long",
            Self::ProcureurInformedAfterStart | Self::InformedInTheFuture => "date_out_of_order",
        }
    }

    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::EndBeforeStart | Self::TooLong(..) => "end",
            Self::ProcureurInformedAfterStart | Self::InformedInTheFuture => {
                "procureur_informed_on"
            }
        }
    }
}

/// Checks a ban's dates: it ends on or after its start, lasts at most the legal maximum (one
/// month from its start: a ban from 1 March ends on 1 April at the latest), and the procureur was
/// informed before it starts and not after `today`.
pub fn check_dates(
    start: NaiveDate,
    end: NaiveDate,
    procureur_informed_on: NaiveDate,
    today: NaiveDate,
    delays: &LegalDelays,
) -> Result<(), BanError> {
    if end < start {
        return Err(BanError::EndBeforeStart);
    }
    let months = delays.value_on(DelayRule::BanMaxMonths, start);
    let latest = start
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX);
    if end > latest {
        return Err(BanError::TooLong(months, latest));
    }
    if procureur_informed_on > today {
        return Err(BanError::InformedInTheFuture);
    }
    if procureur_informed_on > start {
        return Err(BanError::ProcureurInformedAfterStart);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_ban_lasts_a_month_at_most_after_informing_the_procureur() {
        let l = LegalDelays::shipped();
        let today = d("2026-11-29");
        assert!(check_dates(d("2026-12-01"), d("2027-01-01"), d("2026-11-28"), today, l).is_ok());
        assert_eq!(
            check_dates(d("2026-12-01"), d("2027-01-02"), d("2026-11-28"), today, l)
                .unwrap_err()
                .code(),
            "ban_too_long"
        );
        assert_eq!(
            check_dates(d("2026-12-01"), d("2026-11-30"), d("2026-11-28"), today, l)
                .unwrap_err()
                .code(),
            "end_before_start"
        );
        let late = check_dates(
            d("2026-11-29"),
            d("2026-12-10"),
            d("2026-11-30"),
            d("2026-12-01"),
            l,
        )
        .unwrap_err();
        assert_eq!(
            (late.code(), late.field()),
            ("date_out_of_order", "procureur_informed_on")
        );
        assert!(check_dates(d("2026-12-05"), d("2026-12-10"), d("2026-12-01"), today, l).is_err());
    }
}
