import Foundation
import Kafka
import MomentsCore
import Yams

/// A secret whose value is the mask `moments run --print-config` writes in its place
/// (`******`): a printed configuration fed back with `--config` made that text the admin token
/// (anyone who had read the printout could send it) or a SASL password (refused by the broker,
/// far from the cause), until 2026-12-08. Refused at its line and column, unless the variable
/// that overrides it is set, as the printout's comment advises.
enum MaskedSecretCheck {
    static var mask: String { KafkaConfiguration.secretMask }

    static func check(kafka: Node?, admin: Node?, environment: [String: String], _ ctx: YAMLContext) {
        if environment["MOMENTS_ADMIN_TOKEN"] == nil, let node = ctx.member(admin, "token"),
           case .scalar(let s) = node, s.string.trimmingCharacters(in: .whitespacesAndNewlines) == mask {
            ctx.error(node, message("admin.token", variable: "MOMENTS_ADMIN_TOKEN"))
        }
        let sections = [
            ("properties", EnvironmentOverrides.propertyPrefix), ("consumer_properties", EnvironmentOverrides.consumerPropertyPrefix),
            ("producer_properties", EnvironmentOverrides.producerPropertyPrefix),
        ]
        for (section, prefix) in sections {
            guard case .mapping(let m)? = ctx.member(kafka, section) else { continue }
            for pair in ctx.pairs(m) {
                guard case .scalar(let key) = pair.key, KafkaConfiguration.isSecret(key.string),
                      case .scalar(let value) = pair.value, value.string == mask,
                      !environment.keys.contains(where: { EnvironmentOverrides.propertyName($0, prefix: prefix) == key.string }) else { continue }
                let variable = prefix + key.string.uppercased().replacingOccurrences(of: ".", with: "_")
                ctx.error(pair.value, message("kafka.\(section).\(key.string)", variable: variable))
            }
        }
    }

    /// For a variable set to the mask (copied from a printout).
    static let variableMessage = "is \(mask), the mask `moments run --print-config` writes in place of a secret, not the secret: set the real one"

    static func message(_ setting: String, variable: String) -> String {
        "\(setting) is \(mask), the mask `moments run --print-config` writes in place of a secret, not the secret: set the real one here or in \(variable)"
    }
}
