using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Cosocket.Actors.Transport;

/// <summary>
/// Certificate verification failures in OpenSSL's words, which the seed's <c>ssl handshake failed:
/// &lt;err&gt;</c> carries (cs.t TEST 25: <c>18: self-signed certificate</c>).
/// </summary>
internal static class TlsErrors
{
    /// <summary>The OpenSSL-style reason for <paramref name="errors"/>, or null when there are none.</summary>
    public static string? Describe(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
            return null;
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return "peer did not return a certificate";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var status = chain?.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s) ?? X509ChainStatusFlags.NoError;
            bool selfSigned = certificate is not null && certificate.Subject == certificate.Issuer;
            if (status.HasFlag(X509ChainStatusFlags.NotTimeValid))
                return "10: certificate has expired";
            if (status.HasFlag(X509ChainStatusFlags.UntrustedRoot) || status.HasFlag(X509ChainStatusFlags.PartialChain))
                return selfSigned ? "18: self-signed certificate" : "20: unable to get local issuer certificate";
            return "certificate verify failed: " + status;
        }
        return "62: hostname mismatch";
    }
}
