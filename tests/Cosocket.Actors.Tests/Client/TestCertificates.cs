using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cosocket.Actors.Tests.Client;

/// <summary>
/// Certificates made at test time, like the original's t/cert fixtures: a self-signed certificate
/// for test.com, and a test CA with a server certificate (test.com) and a client certificate it signed.
/// </summary>
internal static class TestCertificates
{
    private static readonly Lazy<X509Certificate2> s_selfSigned = new(() => SelfSigned("test.com"));
    private static readonly Lazy<X509Certificate2> s_ca = new(() => Authority("Cosocket Testing Root CA"));
    private static readonly Lazy<X509Certificate2> s_server = new(() => Issue(s_ca.Value, "test.com", server: true));
    private static readonly Lazy<X509Certificate2> s_client = new(() => Issue(s_ca.Value, "client", server: false));

    public static X509Certificate2 SelfSigned() => s_selfSigned.Value;
    public static X509Certificate2 Ca => s_ca.Value;
    public static X509Certificate2 Server => s_server.Value;
    public static X509Certificate2 Client => s_client.Value;

    /// <summary>Only the public part, as a client would have the CA.</summary>
    public static X509Certificate2Collection Trust(X509Certificate2 certificate) => [X509CertificateLoader.LoadCertificate(certificate.RawData)];

    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem();

    public static string PrivateKeyPem(X509Certificate2 certificate) => certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(name, key, server: true);
        return Usable(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
    }

    private static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return Usable(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string name, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(name, key, server);
        byte[] serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
        return Usable(issued.CopyWithPrivateKey(key));
    }

    private static CertificateRequest Request(string name, ECDsa key, bool server)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(name);
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        return request;
    }

    /// <summary>Round-trips through PKCS#12 so that the private key is usable by SslStream on Linux.</summary>
    private static X509Certificate2 Usable(X509Certificate2 certificate)
    {
        using (certificate)
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
