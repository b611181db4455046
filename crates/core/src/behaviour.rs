use serde::{Deserialize, Serialize};

/// The closed list of grooming and sextortion behaviours that Lifeguard names.
///
/// Every detector, alert, console label and report uses this one enum; adding a
/// behaviour here makes the compiler point at every `match` that must handle it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// Asking the other person's age ("how old are you", "asl").
    AgeProbing,
    /// Stating one's own age ("im 13").
    AgeDisclosure,
    /// An age claim that contradicts other evidence (declared adult, claims 15).
    AgeContradiction,
    /// Asking for secrecy ("don't tell your mum", "delete this").
    Secrecy,
    /// Checking that adults are away, or cutting the child off from others.
    Isolation,
    /// Moving the conversation to another app, a phone number or a handle.
    PlatformMove,
    /// Asking for pictures or videos.
    ImageRequest,
    /// Asking for a webcam session, video or voice call.
    CallRequest,
    /// Proposing to meet, or asking where the child lives or is.
    MeetingRequest,
    /// Asking for school, address, phone or other personal details.
    PersonalInfoRequest,
    /// Offering gifts, money, gift cards or game currency.
    Gifts,
    /// Compliments, "you're mature for your age", relationship talk.
    Flattery,
    /// Sexual talk or questions about sexual experience.
    Sexualisation,
    /// Threats to share images, demands for money or more images.
    Sextortion,
}

impl Behaviour {
    /// Every behaviour, in a stable order.
    pub const ALL: [Behaviour; 14] = [
        Behaviour::AgeProbing,
        Behaviour::AgeDisclosure,
        Behaviour::AgeContradiction,
        Behaviour::Secrecy,
        Behaviour::Isolation,
        Behaviour::PlatformMove,
        Behaviour::ImageRequest,
        Behaviour::CallRequest,
        Behaviour::MeetingRequest,
        Behaviour::PersonalInfoRequest,
        Behaviour::Gifts,
        Behaviour::Flattery,
        Behaviour::Sexualisation,
        Behaviour::Sextortion,
    ];

    /// The wire name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Behaviour::AgeProbing => "age_probing",
            Behaviour::AgeDisclosure => "age_disclosure",
            Behaviour::AgeContradiction => "age_contradiction",
            Behaviour::Secrecy => "secrecy",
            Behaviour::Isolation => "isolation",
            Behaviour::PlatformMove => "platform_move",
            Behaviour::ImageRequest => "image_request",
            Behaviour::CallRequest => "call_request",
            Behaviour::MeetingRequest => "meeting_request",
            Behaviour::PersonalInfoRequest => "personal_info_request",
            Behaviour::Gifts => "gifts",
            Behaviour::Flattery => "flattery",
            Behaviour::Sexualisation => "sexualisation",
            Behaviour::Sextortion => "sextortion",
        }
    }

    /// A moderator-facing label.
    pub fn label(self) -> &'static str {
        match self {
            Behaviour::AgeProbing => "Asks the child's age",
            Behaviour::AgeDisclosure => "Age disclosed",
            Behaviour::AgeContradiction => "Contradictory age claim",
            Behaviour::Secrecy => "Asks for secrecy",
            Behaviour::Isolation => "Checks adults are away / isolates",
            Behaviour::PlatformMove => "Moves to another app",
            Behaviour::ImageRequest => "Asks for pictures",
            Behaviour::CallRequest => "Asks for a call or webcam",
            Behaviour::MeetingRequest => "Proposes to meet / asks location",
            Behaviour::PersonalInfoRequest => "Asks for personal information",
            Behaviour::Gifts => "Offers gifts or money",
            Behaviour::Flattery => "Flattery or relationship talk",
            Behaviour::Sexualisation => "Sexualised talk",
            Behaviour::Sextortion => "Threats or demands (sextortion)",
        }
    }
}

impl std::fmt::Display for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range `[start, end)` in a message's original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One behaviour seen in one message: who showed it and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// What was seen.
    pub behaviour: Behaviour,
    /// The author of the message.
    pub author: String,
    /// The message's position (0-based) in its conversation.
    pub seq: u64,
    /// The message id, where the platform gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Byte ranges of the original text behind it.
    pub spans: Vec<Span>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for b in Behaviour::ALL {
            assert_eq!(
                serde_json::to_string(&b).unwrap(),
                format!("\"{}\"", b.as_str())
            );
        }
    }
}
