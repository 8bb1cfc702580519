/// Decodes one input message in a topic's dialect into canonical events.
///
/// A vendor message maps to zero events (an update that carries nothing the contract uses: not
/// an error, not a dead letter), one, or several. Malformed input is a `DecodeError`, which the
/// pipeline sends to the dead-letter topic. Pure and deterministic: the same bytes give the same
/// events with the same ids.
public struct DialectDecoder: Sendable {
    public let dialect: Dialect
    /// Where the customer key is found; nil means the dialect's default places.
    public let customerKey: CustomerKey?
    public var limits: JSONParser.Limits
    let canonical: EventDecoder

    public init(dialect: Dialect = .canonical, customerKey: CustomerKey? = nil, limits: JSONParser.Limits = JSONParser.Limits()) {
        self.dialect = dialect
        self.customerKey = customerKey
        self.limits = limits
        self.canonical = EventDecoder(limits: limits)
    }

    /// - Parameters:
    ///   - bytes: the message value.
    ///   - key: the Kafka message key, used when the customer key is configured as `@key`.
    ///   - cache: for the canonical dialect, the caller's cache of attribute objects (see
    ///     `AttributeCache`); the events are the same without it.
    public func decode(_ bytes: [UInt8], key: [UInt8]? = nil, cache: AttributeCache? = nil) -> Result<[Event], DecodeError> {
        // The canonical path stays the canonical decoder's, unchanged.
        if dialect == .canonical { return canonical.decode(bytes, cache: cache).map { [$0] } }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes, limits: limits) } catch { return .failure(DecodeError(field: nil, reason: error.description)) }
        guard case .object = json else { return .failure(DecodeError(field: nil, reason: "expected a JSON object, found \(json.typeName)")) }
        // Refused as the canonical decoder refuses it (`VendorJSON.firstRepeatedMember`).
        if let path = VendorJSON.firstRepeatedMember(json) { return .failure(DecodeError(field: path, reason: EventDecoder.givenTwice)) }
        let keys = customerKey.map { [$0] } ?? dialect.defaultCustomerKeys
        do throws(DecodeError) {
            switch dialect {
            case .canonical: return .success([])   // handled above
            case .amazonConnect: return .success(try AmazonConnectMapper.events(json, key: key, customerKeys: keys))
            case .genesysCloud: return .success(try GenesysCloudMapper.events(json, key: key, customerKeys: keys))
            case .twilioTaskRouter: return .success(try TwilioTaskRouterMapper.events(json, key: key, customerKeys: keys))
            }
        } catch {
            // With a customer_key set, the place tried is that key: advising to set it repeated
            // advice already taken (until 2026-12-08). Error path only.
            if customerKey != nil, error.reason.hasSuffix(VendorMessage.customerKeyAdvice) {
                let reason = error.reason.dropLast(VendorMessage.customerKeyAdvice.count)
                return .failure(DecodeError(field: error.field, reason: reason + " (the customer_key given)"))
            }
            return .failure(error)
        }
    }

    public func decode(_ line: String, key: String? = nil) -> Result<[Event], DecodeError> {
        decode(Array(line.utf8), key: key.map { Array($0.utf8) })
    }
}
