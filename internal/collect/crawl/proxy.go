package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/proxy"
)

// ErrProxy is in the chain of a fetch that failed because the configured
// proxy setting is not usable.
var ErrProxy = errors.New("proxy not usable")

// ParseProxy checks a proxy setting: a socks5:// or socks5h:// URL with a
// host and port, optional user:password, and nothing else. The forum
// configuration checks its setting with it before a fetcher is made.
func ParseProxy(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("proxy %q: %w", raw, err)
	}
	if u.Scheme != "socks5" && u.Scheme != "socks5h" {
		return nil, fmt.Errorf("proxy %q: only socks5:// and socks5h:// proxies are supported: %w", redactProxy(u), ErrProxy)
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, fmt.Errorf("proxy %q: host and port are required: %w", redactProxy(u), ErrProxy)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("proxy %q: a proxy URL has no path or query: %w", redactProxy(u), ErrProxy)
	}
	return u, nil
}

// redactProxy hides a proxy password in messages.
func redactProxy(u *url.URL) string { return u.Redacted() }

// proxyDialer dials every target through the SOCKS5 proxy at raw.
//
// The private-address refusal holds for targets, not for the proxy: the
// proxy is the administrator's own setting and is usually loopback (Tor's
// 127.0.0.1:9050), so the connection to it is made by a dialer that goes
// to the configured proxy address and nowhere else. For a target:
//   - an IP literal is checked and handed to the proxy as that IP;
//   - a name under .onion is handed to the proxy by name: only Tor can
//     resolve it, and it stands for a hidden service, not for an address
//     on any local network;
//   - any other name is resolved here, the addresses are checked, and the
//     proxy is asked for a checked IP, never for the name, so a proxy on
//     an internal network cannot be steered to an internal host by DNS
//     (nor by rebinding between the check and the connection). The cost
//     is a local DNS lookup for clear-web names even with socks5h; the
//     proxy still carries all the traffic.
func (f *Fetcher) proxyDialer(raw string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	pu, err := ParseProxy(raw)
	if err != nil {
		return func(context.Context, string, string) (net.Conn, error) { return nil, err }
	}
	var auth *proxy.Auth
	if pu.User != nil {
		pw, _ := pu.User.Password()
		auth = &proxy.Auth{User: pu.User.Username(), Password: pw}
	}
	fwd := &proxyForward{addr: pu.Host, d: &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
	d, err := proxy.SOCKS5("tcp", pu.Host, auth, fwd)
	if err != nil {
		err = fmt.Errorf("proxy %q: %w: %w", redactProxy(pu), ErrProxy, err)
		return func(context.Context, string, string) (net.Conn, error) { return nil, err }
	}
	socks, ok := d.(proxy.ContextDialer)
	if !ok {
		err := fmt.Errorf("proxy %q: no context dialer: %w", redactProxy(pu), ErrProxy)
		return func(context.Context, string, string) (net.Conn, error) { return nil, err }
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		host = strings.Trim(host, "[]")
		if IsOnion(host) {
			return socks.DialContext(ctx, network, addr)
		}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			ips = []netip.Addr{ip}
		} else if ips, err = f.opts.Resolver(ctx, host); err != nil {
			return nil, err
		}
		var errs []error
		for _, ip := range ips {
			if !f.permitted(ip) {
				errs = append(errs, fmt.Errorf("%s: %w", ip, ErrPrivateAddress))
				continue
			}
			c, err := socks.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		if len(errs) == 0 {
			return nil, fmt.Errorf("%s has no address", host)
		}
		return nil, errors.Join(errs...)
	}
}

// IsOnion reports whether host is a Tor hidden-service name.
func IsOnion(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return strings.HasSuffix(h, ".onion") && len(h) > len(".onion")
}

// proxyForward is the SOCKS client's way to the proxy: it connects to the
// configured proxy address only, so the exemption from the address checks
// covers the proxy and nothing a target could name.
type proxyForward struct {
	addr string
	d    *net.Dialer
}

func (p *proxyForward) Dial(network, addr string) (net.Conn, error) {
	return p.DialContext(context.Background(), network, addr)
}

func (p *proxyForward) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if addr != p.addr {
		return nil, fmt.Errorf("dial %s: only the configured proxy %s is dialed directly: %w", addr, p.addr, ErrProxy)
	}
	return p.d.DialContext(ctx, network, addr)
}
