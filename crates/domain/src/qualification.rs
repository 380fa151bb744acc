//! Qualification helper: from an incident's category and victims, the offences of the catalogue that
//! fit, with the reason. Systematic recognition of the CMSP status (convention, measure 2): staff
//! acting in their functions are protected by the CMSP limbs; sworn building guards and L.271-1
//! landlord guards by the limbs that name them.
//!
//! The proposal names catalogue entries by their stable code; labels, articles and the TADPR / APP
//! flags come from the versioned catalogue itself.

use crate::incident::Category;

/// What the rules need to know about one victim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VictimFacts {
    /// A staff member acting in their functions (a CMSP).
    pub staff_in_functions: bool,
    /// A sworn building guard or a landlord guard of L.271-1 CSI.
    pub sworn_guard: bool,
    pub itt_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub code: &'static str,
    pub reason: &'static str,
}

fn p(code: &'static str, reason: &'static str) -> Proposal {
    Proposal { code, reason }
}

/// The ITT that separates 222-13 (8 days or less) from 222-12 (more than 8 days).
pub const ITT_THRESHOLD_DAYS: u32 = 8;

/// Proposals, most specific first, without duplicates.
pub fn propose(category: Category, victims: &[VictimFacts]) -> Vec<Proposal> {
    let cmsp: Vec<&VictimFacts> = victims.iter().filter(|v| v.staff_in_functions).collect();
    let guard = cmsp.iter().any(|v| v.sworn_guard);
    let other_cmsp = cmsp.iter().any(|v| !v.sworn_guard);
    let mut out = vec![];
    match category {
        Category::AssaultOnStaff => {
            // 222-12 punishes violences with an ITT of more than 8 days, 222-13 those of 8 days or
            // less (or none): each victim falls under one of them, never both. An unknown ITT is
            // not "more than 8 days".
            let serious = |v: &&&VictimFacts| v.itt_days.is_some_and(|d| d > ITT_THRESHOLD_DAYS);
            let light: Vec<&&VictimFacts> = cmsp.iter().filter(|v| !serious(v)).collect();
            if cmsp.iter().any(|v| serious(&v)) {
                out.push(p("CP-222-12", "violences with more than 8 days of ITT on a person charged with a public-service mission"));
            }
            if light.iter().any(|v| v.sworn_guard) {
                out.push(p("CP-222-13-4", "violences with 8 days of ITT or less on a sworn building guard or landlord guard acting in functions (222-13 4°)"));
            }
            if light.iter().any(|v| !v.sworn_guard) {
                out.push(p("CP-222-13-4BIS", "violences with 8 days of ITT or less on staff acting in functions, a person charged with a public-service mission (222-13 4° bis)"));
            }
        }
        Category::OutrageToStaff if !cmsp.is_empty() => {
            out.push(p("CP-433-5-AL1", "outrage to staff acting in functions: a person charged with a public-service mission (433-5 al.1), eligible to the TADPR track"));
        }
        Category::Threats => {
            if guard {
                out.push(p(
                    "CP-433-3-AL1",
                    "threats against a sworn building guard or landlord guard (433-3 al.1)",
                ));
            }
            if other_cmsp {
                out.push(p("CP-433-3-AL2", "threats against staff acting in functions, persons charged with a public-service mission (433-3 al.2)"));
            }
        }
        Category::HallOccupation => {
            out.push(p(
                "CSI-L272-4",
                "occupation of common parts blocking access or safety devices (L.272-4 CSI)",
            ));
            if !cmsp.is_empty() {
                out.push(p(
                    "CSI-L272-4-AL2",
                    "occupation accompanied by assault or threats against staff (L.272-4 al.2 CSI)",
                ));
            }
        }
        Category::DrugTrafficking => {
            out.push(p(
                "CP-222-37",
                "trafficking: transport, possession, offer, transfer or acquisition (222-37)",
            ));
            out.push(p("CSP-L3421-1", "illicit use of narcotics (L.3421-1 CSP)"));
        }
        Category::DamageOrTags => {
            out.push(p(
                "CP-322-1-I",
                "destruction or damage of the bailleur's property (322-1 I)",
            ));
            out.push(p("CP-322-1-II", "tags and inscriptions (322-1 II)"));
            out.push(p("CP-R635-1", "light damage only (R.635-1, contravention)"));
        }
        Category::Dumping => {
            out.push(p(
                "CP-R634-2",
                "dumping of waste or urination outside designated places (R.634-2)",
            ));
            out.push(p("CP-R635-8", "dumping with a vehicle (R.635-8)"));
        }
        Category::OutrageToStaff | Category::RadicalisationSignal | Category::Other => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(c: Category, v: &[VictimFacts]) -> Vec<&'static str> {
        propose(c, v).into_iter().map(|p| p.code).collect()
    }

    const CARETAKER: VictimFacts = VictimFacts {
        staff_in_functions: true,
        sworn_guard: false,
        itt_days: None,
    };
    const GUARD: VictimFacts = VictimFacts {
        staff_in_functions: true,
        sworn_guard: true,
        itt_days: None,
    };
    const OFF_DUTY: VictimFacts = VictimFacts {
        staff_in_functions: false,
        sworn_guard: false,
        itt_days: None,
    };

    #[test]
    fn assault_on_a_caretaker_in_functions_is_222_13_4_bis() {
        assert_eq!(
            codes(Category::AssaultOnStaff, &[CARETAKER]),
            vec!["CP-222-13-4BIS"]
        );
        assert_eq!(
            codes(Category::AssaultOnStaff, &[GUARD]),
            vec!["CP-222-13-4"]
        );
        let hurt = VictimFacts {
            itt_days: Some(10),
            ..CARETAKER
        };
        assert_eq!(codes(Category::AssaultOnStaff, &[hurt]), vec!["CP-222-12"]);
        assert!(codes(Category::AssaultOnStaff, &[OFF_DUTY]).is_empty());
    }

    /// Part B.1 of the préfet issue: an ITT of more than 8 days is 222-12 only; 8 days or less is
    /// 222-13 only; two victims may give one of each.
    #[test]
    fn itt_over_8_days_is_222_12_and_not_222_13() {
        let itt = |d| VictimFacts {
            itt_days: Some(d),
            ..CARETAKER
        };
        assert_eq!(
            codes(Category::AssaultOnStaff, &[itt(12)]),
            vec!["CP-222-12"]
        );
        assert_eq!(
            codes(Category::AssaultOnStaff, &[itt(9)]),
            vec!["CP-222-12"]
        );
        assert_eq!(
            codes(Category::AssaultOnStaff, &[itt(8)]),
            vec!["CP-222-13-4BIS"]
        );
        assert_eq!(
            codes(Category::AssaultOnStaff, &[itt(0)]),
            vec!["CP-222-13-4BIS"]
        );
        let hurt_guard = VictimFacts {
            itt_days: Some(15),
            ..GUARD
        };
        assert_eq!(
            codes(Category::AssaultOnStaff, &[hurt_guard, CARETAKER]),
            vec!["CP-222-12", "CP-222-13-4BIS"]
        );
    }

    #[test]
    fn outrage_to_staff_is_433_5_al_1_only_in_functions() {
        assert_eq!(
            codes(Category::OutrageToStaff, &[CARETAKER]),
            vec!["CP-433-5-AL1"]
        );
        assert!(codes(Category::OutrageToStaff, &[OFF_DUTY]).is_empty());
    }

    #[test]
    fn threats_to_a_sworn_guard_are_433_3_al_1() {
        assert_eq!(codes(Category::Threats, &[GUARD]), vec!["CP-433-3-AL1"]);
        assert_eq!(
            codes(Category::Threats, &[GUARD, CARETAKER]),
            vec!["CP-433-3-AL1", "CP-433-3-AL2"]
        );
    }

    #[test]
    fn hall_occupation_is_l_272_4() {
        assert_eq!(codes(Category::HallOccupation, &[]), vec!["CSI-L272-4"]);
        assert!(codes(Category::RadicalisationSignal, &[CARETAKER]).is_empty());
    }

    #[test]
    fn every_proposed_code_exists_in_the_shipped_catalogue() {
        let cat = crate::offence::Catalogue::parse(include_str!(
            "../../../reference/offence-catalogue.json"
        ))
        .unwrap();
        let facts = [
            CARETAKER,
            GUARD,
            VictimFacts {
                itt_days: Some(9),
                ..CARETAKER
            },
        ];
        for c in Category::ALL {
            for p in propose(c, &facts) {
                assert!(
                    cat.entries.iter().any(|e| e.code == p.code),
                    "{} is not in the catalogue",
                    p.code
                );
            }
        }
    }
}
