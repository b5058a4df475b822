# Parses a rendered network-config with cloud-init's own parser (an independent reader),
# printing each interface with its MAC and subnets, then, with `--eni`, what cloud-init's
# ifupdown renderer writes for it (the renderer of Debian 12 cloud images). Used by
# tests/it/cloud_init_host.rs.
import sys, yaml
from cloudinit.net.network_state import parse_net_config_data
from cloudinit.net import eni
cfg = yaml.safe_load(open(sys.argv[1]))
ns = parse_net_config_data(cfg, skip_broken=False)
for i in ns.iter_interfaces():
    subnets = [(s.get("type"), s.get("address"), s.get("prefix"), s.get("gateway"), s.get("routes")) for s in i.get("subnets", [])]
    print(i["name"], i.get("mac_address"), subnets)
print("routes", [ (r.get("network"), r.get("gateway")) for r in ns.iter_routes()])
print("dns", ns.dns_nameservers, ns.dns_searchdomains)
if "--eni" in sys.argv[2:]:
    print(eni.Renderer()._render_interfaces(ns))
