using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Cosocket.Actors.Server;

/// <summary>A <c>wss://</c> listener's TLS: its certificate (with private key) and, for mutual TLS,
/// whether a client certificate is required and which CAs it must chain to.</summary>
public sealed record ServerTls(X509Certificate2 Certificate, bool ClientCertificateRequired = false, X509Certificate2Collection? TrustedClientCertificates = null)
{
    /// <summary>A certificate and key from PEM files, or a PFX (PKCS#12) file with its password.</summary>
    public static ServerTls FromFiles(string certificateFile, string? keyFile = null, string? pfxPassword = null)
    {
        var certificate = keyFile is not null
            ? X509Certificate2.CreateFromPemFile(certificateFile, keyFile)
            : X509CertificateLoader.LoadPkcs12FromFile(certificateFile, pfxPassword);
        return new ServerTls(certificate);
    }

    /// <summary>Mutual TLS: whether a client's <paramref name="certificate"/> is accepted (when
    /// required, it must chain to <see cref="TrustedClientCertificates"/>, or be valid by the system's store).</summary>
    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
            return !ClientCertificateRequired;
        if (TrustedClientCertificates is not { } trusted)
            return errors == SslPolicyErrors.None;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }
}
