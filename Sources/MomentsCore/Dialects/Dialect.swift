/// The shape of the messages on an input topic: Moments' own canonical events, or a contact
/// center platform's native stream mapped onto them (see README, "Vendor dialects").
public enum Dialect: String, Sendable, CaseIterable, CustomStringConvertible {
    case canonical
    case amazonConnect = "amazon-connect"
    case genesysCloud = "genesys-cloud"
    case twilioTaskRouter = "twilio-taskrouter"

    public var description: String { rawValue }

    /// Every name, for error messages ("dialect must be one of ...").
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Where the customer key is looked for when the topic's configuration names none: the
    /// fields these platforms use for the caller (vendor streams carry no customer id of ours).
    var defaultCustomerKeys: [CustomerKey] {
        switch self {
        case .canonical: return []
        case .amazonConnect: return [.path(["customerEndpoint", "address"])]
        case .genesysCloud: return [.path(["conversationExternalContactIds", "0"]), .path(["externalContactId"]), .path(["ani"])]
        case .twilioTaskRouter: return [.path(["TaskAttributes", "customer_id"]), .path(["TaskAttributes", "from"])]
        }
    }
}
