// `renderHostScript`: the read-only bash script that collects, on a backend host, what decides whether SLB's health
// check from 100.64.0.0/10 gets through (guide step 1) and what the check gets locally (guide step 2).
// The output format (sections, compression, version marker) is specified in lib/host/README.md.
// Bounds it keeps: at most ~10 s (every command under `timeout`), at most 24 KB of output, Cloud Assistant's limit
// for command output (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinvocationresults).
import type { HostCheckSpec } from './types';

/** The first line of every output; the verdict refuses output of another version. */
export const HOST_SCRIPT_VERSION = 'slb-doctor-host-script v1';

/** Each local replay waits at most this long, so that two replays fit the script's 10 s with the rest. */
const REPLAY_CAP_SECONDS = 3;

/** Single-quotes a value for bash: nothing inside is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** ANSI-C quoting ($'…') so that CR LF reach the socket as the bytes SLB sends. */
function ansiQuote(value: string): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return `$'${escaped}'`;
}

/** The Host header SLB sends: the check domain, else the backend IP; none with noHost. */
function checkHost(check: HostCheckSpec): string | null {
  if (check.protocol !== 'http' || check.noHost) return null;
  return check.domain ?? check.backendIp;
}

/** The request bytes SLB's health checker writes (the same as the guide's nc line). */
function checkRequest(check: HostCheckSpec): string {
  if (check.protocol === 'udp') return check.udpRequest ?? '';
  if (check.protocol === 'tcp') return '';
  const host = checkHost(check);
  return `${check.method} ${check.uri} HTTP/${check.httpVersion}\r\n${host === null ? '' : `Host: ${host}\r\n`}\r\n`;
}

function curlOptions(check: HostCheckSpec): string[] {
  const host = checkHost(check);
  // curl adds User-Agent and Accept; SLB sends neither, so both are removed (an empty header value deletes it).
  return [
    check.method === 'HEAD' ? '-I' : '-XGET',
    check.httpVersion === '1.0' ? '-0' : '--http1.1',
    '-H',
    host === null ? 'Host:' : `Host: ${host}`,
    '-H',
    'User-Agent:',
    '-H',
    'Accept:',
  ];
}

function assertCheck(check: HostCheckSpec): void {
  const octets = check.backendIp.split('.');
  if (octets.length !== 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255)) throw new Error(`backendIp must be an IPv4 address, got '${check.backendIp}'`);
  if (!Number.isInteger(check.port) || check.port < 1 || check.port > 65535) throw new Error(`port must be 1-65535, got ${check.port}`);
  if (!/^\/[^\s\x00-\x1f\x7f]*$/.test(check.uri)) throw new Error(`uri must start with '/' and hold no spaces or control characters, got '${check.uri}'`);
}

/** One self-contained, read-only bash script for this check; its output goes to `hostVerdict`. */
export function renderHostScript(check: HostCheckSpec): string {
  assertCheck(check);
  const replaySeconds = Math.max(1, Math.min(check.timeoutSeconds, REPLAY_CAP_SECONDS));
  const header = [
    '#!/bin/bash',
    `# ${HOST_SCRIPT_VERSION}: read-only health-check diagnosis for SLB Health Doctor (slb-doctor host-verdict reads its output).`,
    '# It changes nothing and installs nothing; it reads the firewall with the *-save tools, nft and ipset, as root for a full view.',
    // Run by sh (dash) instead of bash, the script starts itself again with bash, or says it needs bash.
    'if [ -z "${BASH_VERSION:-}" ]; then if [ -f "$0" ] && command -v bash >/dev/null 2>&1; then exec bash "$0" "$@"; fi; echo "slb-doctor host script: run it with bash" >&2; exit 2; fi',
    `echo ${shellQuote(`#${HOST_SCRIPT_VERSION}`)}`,
    `B_IP=${shellQuote(check.backendIp)}`,
    `B_PORT=${check.port}`,
    `PROTO=${check.protocol}`,
    `L4=${check.protocol === 'udp' ? 'udp' : 'tcp'}`,
    `URI=${shellQuote(check.uri)}`,
    `RTO=${replaySeconds}`,
    `REQ=${ansiQuote(checkRequest(check))}`,
    `CURLOPT=(${curlOptions(check).map(shellQuote).join(' ')})`,
  ];
  return `${header.join('\n')}\n${SCRIPT_BODY}`;
}

const SCRIPT_BODY = `export LC_ALL=C PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
umask 077
# The output must fit Cloud Assistant's 24 KB (24576 bytes) output limit; keep a margin for the framing lines.
LIMIT=23500
USED=0
CUT=""
now_ms() { local n; n=$(date +%s%N 2>/dev/null); case "$n" in ''|*N*) echo $((SECONDS * 1000)) ;; *) echo $((n / 1000000)) ;; esac; }
T0=$(now_ms)
# A name found but not executable (a broken install) counts as missing.
have() { local p; p=$(command -v "$1" 2>/dev/null) && [ -x "$p" ]; }
# Every command is bounded; the whole script stays within 10 s (DEADLINE_MS) however the host behaves.
DEADLINE_MS=8500
left_s() { local l=$(( (DEADLINE_MS - ($(now_ms) - T0)) / 1000 )); [ "$l" -gt "$1" ] && l=$1; echo "$l"; }
if have timeout; then bound() { local s; s=$(left_s "$1"); shift; [ "$s" -lt 1 ] && return 124; timeout -k 1 "$s" "$@"; }
else bound() { shift; "$@"; }; fi
ZIP=0
if have gzip && have base64; then ZIP=1; fi
status_of() { # rc output
  case "$1" in
    0) echo ok ;;
    124|137) echo timeout ;;
    126|127) echo missing ;;
    *) case "$2" in *[Pp]ermission\\ denied*|*not\\ permitted*|*must\\ be\\ root*) echo denied ;; *) echo error ;; esac ;;
  esac
}
# put NAME STATUS RC BODY: one framed section; bulky bodies are gzip+base64, and a body that no longer fits is cut.
put() {
  local name=$1 st=$2 rc=$3 body=$4 enc=plain raw=\${#4}
  if [ "$ZIP" = 1 ] && [ "$raw" -gt 1000 ]; then
    body=$(printf '%s\\n' "$body" | gzip -9c | base64)
    enc=gzip64
  fi
  local room=$((LIMIT - USED - RESERVE - 120))
  if [ "\${#body}" -gt "$room" ]; then
    printf '@section %s status=cut rc=%s enc=none raw=%s size=%s\\n@end %s\\n' "$name" "$rc" "$raw" "\${#body}" "$name"
    CUT="$CUT $name"
    USED=$((USED + 100))
    return
  fi
  printf '@section %s status=%s rc=%s enc=%s raw=%s\\n%s\\n@end %s\\n' "$name" "$st" "$rc" "$enc" "$raw" "$body" "$name"
  USED=$((USED + \${#body} + 80))
}
# Room kept for the small sections that follow the bulky ones.
RESERVE=3000
echo "@meta uid=$(id -u 2>/dev/null) host=$(uname -n 2>/dev/null) kernel=$(uname -r 2>/dev/null) backend_ip=$B_IP port=$B_PORT proto=$PROTO"

# --- where the checks arrive: the interface holding the backend IP, rp_filter, routes back to 100.64.0.0/10 ---
IFACE=""
if have ip; then
  ADDRS=$(bound 2 ip -o addr show 2>&1); rc=$?
  put addr "$(status_of $rc "$ADDRS")" $rc "$ADDRS"
  IFACE=$(printf '%s\\n' "$ADDRS" | awk -v ip="$B_IP" '$3 == "inet" { split($4, a, "/"); if (a[1] == ip) { print $2; exit } }')
  IFACE=\${IFACE%%@*}
else
  put addr missing 127 ""
fi
SYS=""
for f in /proc/sys/net/ipv4/conf/*/rp_filter /proc/sys/net/ipv4/conf/*/src_valid_mark /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/tcp_max_syn_backlog; do
  [ -r "$f" ] && SYS="$SYS\${f#/proc/sys/}=$(cat "$f" 2>/dev/null)
"
done
put sysctl ok 0 "iface=$IFACE
$SYS"
if have ip; then
  R=""
  for dst in 100.64.0.5 100.100.0.5 100.127.255.5; do
    R="$R
get $dst $(bound 2 ip -o route get "$dst" from "$B_IP" 2>&1 | head -n 2 | tr '\\n' ' ')"
  done
  if [ -n "$IFACE" ]; then
    R="$R
rpf 100.64.0.5 $(bound 2 ip -o route get "$B_IP" from 100.64.0.5 iif "$IFACE" 2>&1 | head -n 2 | tr '\\n' ' ')"
  fi
  R="$R
$(bound 2 ip rule show 2>&1 | sed 's/^/rule /')
$(bound 2 ip -4 route show table all 2>/dev/null | grep -E '^((unicast|throw|blackhole|unreachable|prohibit) )?100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.' | head -n 200 | sed 's/^/route4 /')"
  put route ok 0 "$R"
else
  put route missing 127 ""
fi

# --- who listens on the check port ---
if [ "$PROTO" = udp ]; then SSOPT=-Hlunp; PROCNET="/proc/net/udp /proc/net/udp6"; LSTATE=07; else SSOPT=-Hltnp; PROCNET="/proc/net/tcp /proc/net/tcp6"; LSTATE=0A; fi
if have ss; then
  L=$(bound 4 ss $SSOPT "( sport = :$B_PORT )" 2>&1); rc=$?
  put listen "$(status_of $rc "$L")" $rc "tool=ss
$L"
else
  HEXPORT=$(printf '%04X' "$B_PORT")
  L=$(cat $PROCNET 2>/dev/null | awk -v p=":$HEXPORT" -v s="$LSTATE" 'substr($2, length($2) - 4) == p && $4 == s { print $2, $10 }')
  P=""
  for ino in $(printf '%s\\n' "$L" | awk '{ print $2 }'); do
    [ -n "$ino" ] || continue
    fd=$(bound 2 find /proc/[0-9]*/fd -lname "socket:\\[$ino\\]" -print -quit 2>/dev/null)
    if [ -n "$fd" ]; then pid=\${fd#/proc/}; pid=\${pid%%/*}; P="$P
inode=$ino pid=$pid comm=$(cat "/proc/$pid/comm" 2>/dev/null)"; fi
  done
  put listen ok 0 "tool=proc
$L$P"
fi

# --- the firewall, as the kernel holds it: iptables (nft and legacy), nftables, ipset ---
# Only tables a packet to this host passes on input are kept, only chains reachable from PREROUTING and INPUT, and
# rules that cannot match a packet from 100.64.0.0/10 to BACKEND_IP:PORT are counted instead of printed (#skip N).
# The *-save tools are used because listing commands (iptables-legacy -S/-L) create the tables they list.
prune_ipt() {
  awk -v ip="$B_IP" -v proto="$L4" -v port="$B_PORT" -v v6="$1" '
    function n(s,  a) { split(s, a, "."); return ((a[1] * 256 + a[2]) * 256 + a[3]) * 256 + a[4] }
    function inside(c, x,  a, l, sz) { split(c, a, "/"); l = (a[2] == "") ? 32 : a[2]; sz = 2 ^ (32 - l); return int(n(a[1]) / sz) == int(x / sz) }
    function overlaps(c,  a, l, sz, lo) { split(c, a, "/"); l = (a[2] == "") ? 32 : a[2]; sz = 2 ^ (32 - l); lo = int(n(a[1]) / sz) * sz; return lo < SLB + 4194304 && SLB < lo + sz }
    function cannot(line,  f, i, k) {
      k = split(line, f, " ")
      for (i = 3; i < k; i++) {
        if (f[i - 1] == "!") continue
        if (v6 == "0" && f[i] == "-d" && f[i + 1] ~ /^[0-9.\\/]+$/ && !inside(f[i + 1], IP)) return 1
        if (v6 == "0" && f[i] == "-s" && f[i + 1] ~ /^[0-9.\\/]+$/ && !overlaps(f[i + 1])) return 1
        if (f[i] == "-p" && f[i + 1] != proto && f[i + 1] != "all") return 1
        if (f[i] == "--dport" && f[i + 1] ~ /^[0-9]+$/ && f[i + 1] != port) return 1
      }
      return 0
    }
    BEGIN { IP = n(ip); SLB = n("100.64.0.0") }
    { L[NR] = $0 }
    /^\\*/ { t = substr($1, 2) }
    /^-A / {
      for (i = 3; i < NF; i++) if (($i == "-j" || $i == "-g") && (t SUBSEP $(i + 1)) in U) E[t SUBSEP $2] = E[t SUBSEP $2] " " $(i + 1)
    }
    /^:/ { c = substr($1, 2); if ($2 == "-") U[t SUBSEP c] = 1 }
    END {
      keep["filter"] = keep["raw"] = keep["mangle"] = keep["security"] = 1
      for (i = 1; i <= NR; i++) {
        line = L[i]
        if (line ~ /^\\*/) { t = substr(line, 2); split("", R); R["PREROUTING"] = R["INPUT"] = 1; grow = 1
          while (grow) { grow = 0; for (c in R) { m = split(E[t SUBSEP c], to, " "); for (j = 1; j <= m; j++) if (!(to[j] in R)) { R[to[j]] = 1; grow = 1 } } } }
        if (!(t in keep)) { if (line ~ /^\\*/) print "#table " t " omitted"; continue }
        if (line !~ /^-A /) { if (skip) { print "#skip " sc " " skip; skip = 0 } if (line !~ /^# /) print line; continue }
        split(line, f, " "); c = f[2]
        gsub(/ -m comment --comment ("[^"]*"|[^ ]+)/, "", line)
        if (skip && c != sc) { print "#skip " sc " " skip; skip = 0 }
        if (!(c in R) || cannot(line)) { sc = c; skip++; continue }
        if (skip) { print "#skip " sc " " skip; skip = 0 }
        print line
      }
      if (skip) print "#skip " sc " " skip
    }'
}
# ipt_collect NAME TOOL V6: dump with a *-save tool and prune; the framed text is left in SEC_* for put_sec.
ipt_collect() {
  SEC_NAME=$1; SEC_OUT=""
  if ! have "$2"; then SEC_ST=missing; SEC_RC=127; return; fi
  SEC_OUT=$(bound 5 "$2" 2>&1); SEC_RC=$?
  SEC_ST=$(status_of $SEC_RC "$SEC_OUT")
  [ $SEC_RC -eq 0 ] || return
  SEC_OUT=$(printf '%s\\n' "$SEC_OUT" | prune_ipt "$3")
  # Tables iptables-nft prints whole are not listed again from nft (the same kernel objects, read twice).
  case "$1:$SEC_OUT" in
    *-nft:*incompatible*) ;;
    ipt4-nft:*) IPT_NFT="$IPT_NFT $(printf '%s\\n' "$SEC_OUT" | sed -n 's/^\\*/ip:/p' | tr '\\n' ' ')" ;;
    ipt6-nft:*) IPT_NFT="$IPT_NFT $(printf '%s\\n' "$SEC_OUT" | sed -n 's/^\\*/ip6:/p' | tr '\\n' ' ')" ;;
  esac
}
put_sec() { put "$SEC_NAME" "$SEC_ST" "$SEC_RC" "$SEC_OUT"; }
IPT_NFT=""
ipt_collect ipt6-nft ip6tables-nft-save 1
I6_NAME=$SEC_NAME I6_ST=$SEC_ST I6_RC=$SEC_RC I6_OUT=$SEC_OUT
ipt_collect ipt4-nft iptables-nft-save 0; put_sec
if have iptables-legacy-save; then ipt_collect ipt4-legacy iptables-legacy-save 0; put_sec
elif have iptables-save && ! iptables-save --version 2>&1 | grep -q nf_tables; then ipt_collect ipt4-legacy iptables-save 0; put_sec
else put ipt4-legacy missing 127 ""; fi
[ -r /proc/net/ip_tables_names ] && put ipt4-legacy-names ok 0 "$(cat /proc/net/ip_tables_names 2>/dev/null)"
if have nft; then
  N=""
  TABLES=$(bound 2 nft list tables 2>&1); rc=$?
  if [ $rc -eq 0 ]; then
    # nat tables decide no drop; each table is listed on its own so that one odd table cannot hide the others.
    while read -r _ fam tname; do
      [ -n "$tname" ] || continue
      case "$fam:$tname" in ip:nat|ip6:nat) N="$N
{\\"omitted\\": \\"$fam $tname\\", \\"reason\\": \\"nat\\"}"; continue ;; esac
      case " $IPT_NFT " in *" $fam:$tname "*) N="$N
{\\"omitted\\": \\"$fam $tname\\", \\"reason\\": \\"iptables-nft\\"}"; continue ;; esac
      N="$N
$(bound 2 nft -j list table "$fam" "$tname" 2>&1)"
    done < <(printf '%s\\n' "$TABLES")
    put nft ok 0 "$N"
  else
    put nft "$(status_of $rc "$TABLES")" $rc "$TABLES"
  fi
else
  put nft missing 127 ""
fi
if have ipset; then
  S=$(bound 2 ipset save 2>&1); rc=$?
  if [ $rc -eq 0 ]; then
    # Only members that can match 100.64.0.0/10 or the backend IP are kept; the others are counted per set.
    S=$(printf '%s\\n' "$S" | awk -v ip="$B_IP" '
      function n(s,  a) { split(s, a, "."); return ((a[1] * 256 + a[2]) * 256 + a[3]) * 256 + a[4] }
      function relevant(e,  a, l, sz, lo) { sub(/,.*/, "", e); if (e ~ /:/) return 0; if (e !~ /^[0-9.\\/-]+$/) return 1; sub(/-.*/, "", e); split(e, a, "/"); l = (a[2] == "") ? 32 : a[2]; sz = 2 ^ (32 - l); lo = int(n(a[1]) / sz) * sz
        return (lo < SLB + 4194304 && SLB < lo + sz) || (lo <= IP && IP < lo + sz) }
      BEGIN { IP = n(ip); SLB = n("100.64.0.0") }
      $1 == "add" { if (relevant($3)) print; else drop[$2]++; next }
      { print }
      END { for (s in drop) print "#skip " s " " drop[s] }')
  fi
  put ipset "$(status_of $rc "$S")" $rc "$S"
else
  put ipset missing 127 ""
fi
put "$I6_NAME" "$I6_ST" "$I6_RC" "$I6_OUT"
if have ip6tables-legacy-save; then ipt_collect ipt6-legacy ip6tables-legacy-save 1; put_sec; else put ipt6-legacy missing 127 ""; fi

# --- security software that manages firewalls or drops connections ---
RESERVE=1500
SW=""
for c in /proc/[0-9]*/comm; do { read -r x < "$c"; } 2>/dev/null && SW="$SW
$x"; done
SW=$(printf '%s\\n' "$SW" | sort -u | grep -E -i -x 'firewalld|fail2ban-server|tailscaled|AliYunDun|AliYunDunUpdate|AliYunDunMonitor|aegis_[a-z_]*|aliyun-service|crowdsec.*|sshguard|denyhosts|csf|lfd|ossec-[a-z]*|wazuh-[a-z]*|falcon-sensor|YDService|YDLive|hostguard|safedog[a-z]*|AliSecGuard|BT-Panel|kube-proxy|calico-node|cilium-agent|wg-quick|openvpn|zerotier-one' | sed 's/^/process /')
for f in /etc/ufw/ufw.conf; do [ -r "$f" ] && SW="$SW
file $f $(grep -E '^ENABLED=' "$f" 2>/dev/null)"; done
for d in /usr/local/aegis /etc/fail2ban /etc/firewalld /var/lib/tailscale /etc/csf; do [ -e "$d" ] && SW="$SW
file $d"; done
put software ok 0 "$SW"

# --- load: the accept queue overflows when the service cannot keep up ---
RESERVE=900
put load ok 0 "loadavg $(cat /proc/loadavg 2>/dev/null)
cpus $(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null)
$(awk '$1 == "TcpExt:" { if (!h) { for (i = 2; i <= NF; i++) k[i] = $i; h = 1 } else for (i = 2; i <= NF; i++) if (k[i] == "ListenOverflows" || k[i] == "ListenDrops") print k[i], $i }' /proc/net/netstat 2>/dev/null)"

# --- the local replay of the check (guide step 2), to the backend IP and to 127.0.0.1 ---
RESERVE=200
replay() { # TARGET
  local t0 out rc line err
  t0=$(now_ms)
  if [ "$PROTO" = http ] && have curl; then
    out=$(bound "$RTO" curl -sS -o /dev/null -D - -m "$RTO" "\${CURLOPT[@]}" "http://$1:$B_PORT$URI" 2>&1); rc=$?
    echo "replay target=$1 tool=curl rc=$rc ms=$(( $(now_ms) - t0 ))"
    printf '%s\\n' "$out" | grep -v '^curl:' | head -n 1 | tr -d '\\r' | cut -c1-200 | sed -n 's/^./line &/p'
    printf '%s\\n' "$out" | grep '^curl:' | head -n 1 | sed 's/^/err /'
    return
  fi
  out=$(bound "$RTO" bash -c '
    exec 3<>"/dev/$3/$1/$2" || exit 7
    [ -n "$4" ] || exit 0
    printf "%s" "$4" >&3
    IFS= read -r -t "$5" line <&3; rc=$?
    [ -n "$line" ] && printf "line %s\\n" "$line"
    exit $rc' replay "$1" "$B_PORT" "$([ "$PROTO" = udp ] && echo udp || echo tcp)" "$REQ" "$RTO" 2>&1); rc=$?
  echo "replay target=$1 tool=bash rc=$rc ms=$(( $(now_ms) - t0 ))"
  printf '%s\\n' "$out" | tr -d '\\r' | cut -c1-200 | awk '/^line / { print; next } { print "err " $0 }' | head -n 2
}
RP="$(replay "$B_IP")
$(replay 127.0.0.1)"
put replay ok 0 "$RP"
echo "@done ms=$(( $(now_ms) - T0 )) cut=\${CUT# }"
`;
// end of SCRIPT_BODY
