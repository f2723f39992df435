package cloudsim

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Linode's catalog is as big as the real one: some 55 types in Linode's
// plan lines, some 35 public images, and some 130 Marketplace StackScripts,
// more than one page at the API's default page size (100), which is what
// a client asking for no page size (linodego's default) walks. The objects
// of catalog/linode are kept as they are; the rest is generated here, each
// object cloned from one of the files (so every field the spec lists is
// there) and given its own values: no provider data is copied.

// linodeTypeSpec is a plan: id, label, class, vCPUs, memory and disk (GB),
// transfer and network out (GB, Mbps), monthly price (USD) and GPUs.
type linodeTypeSpec struct {
	id, label, class     string
	vcpus, memGB, diskGB int
	transfer, networkOut int
	monthly              float64
	gpus                 int
}

var linodeTypeSpecs = []linodeTypeSpec{
	{"g6-standard-16", "Linode 64GB", "standard", 16, 64, 1280, 20000, 9000, 384, 0},
	{"g6-standard-20", "Linode 96GB", "standard", 20, 96, 1920, 20000, 10000, 576, 0},
	{"g6-standard-24", "Linode 128GB", "standard", 24, 128, 2560, 20000, 11000, 768, 0},
	{"g6-standard-32", "Linode 192GB", "standard", 32, 192, 3840, 20000, 12000, 1152, 0},
	{"g6-dedicated-16", "Dedicated 32GB", "dedicated", 16, 32, 640, 7000, 7000, 288, 0},
	{"g6-dedicated-32", "Dedicated 64GB", "dedicated", 32, 64, 1280, 8000, 8000, 576, 0},
	{"g6-dedicated-48", "Dedicated 96GB", "dedicated", 48, 96, 1920, 9000, 9000, 864, 0},
	{"g6-dedicated-50", "Dedicated 128GB", "dedicated", 50, 128, 2500, 10000, 10000, 1152, 0},
	{"g6-dedicated-56", "Dedicated 256GB", "dedicated", 56, 256, 5000, 11000, 11000, 2304, 0},
	{"g6-dedicated-64", "Dedicated 512GB", "dedicated", 64, 512, 7200, 12000, 12000, 4608, 0},
	{"g8-dedicated-4-2", "Dedicated 4GB + 2 vCPU (G8)", "dedicated", 2, 4, 80, 4000, 4000, 43, 0},
	{"g8-dedicated-8-4", "Dedicated 8GB + 4 vCPU (G8)", "dedicated", 4, 8, 160, 5000, 5000, 86, 0},
	{"g8-dedicated-16-8", "Dedicated 16GB + 8 vCPU (G8)", "dedicated", 8, 16, 320, 6000, 6000, 172, 0},
	{"g8-dedicated-32-16", "Dedicated 32GB + 16 vCPU (G8)", "dedicated", 16, 32, 640, 7000, 7000, 344, 0},
	{"g8-dedicated-64-32", "Dedicated 64GB + 32 vCPU (G8)", "dedicated", 32, 64, 1280, 8000, 8000, 688, 0},
	{"g8-dedicated-128-64", "Dedicated 128GB + 64 vCPU (G8)", "dedicated", 64, 128, 2560, 10000, 10000, 1376, 0},
	{"g7-highmem-4", "Linode 96GB", "highmem", 4, 96, 80, 7000, 7000, 240, 0},
	{"g7-highmem-8", "Linode 192GB", "highmem", 8, 192, 160, 8000, 8000, 480, 0},
	{"g7-highmem-16", "Linode 300GB", "highmem", 16, 300, 340, 9000, 9000, 900, 0},
	{"g7-premium-4", "Premium 8GB", "premium", 4, 8, 160, 5000, 5000, 86, 0},
	{"g7-premium-8", "Premium 16GB", "premium", 8, 16, 320, 6000, 6000, 172, 0},
	{"g7-premium-16", "Premium 32GB", "premium", 16, 32, 640, 7000, 7000, 344, 0},
	{"g7-premium-32", "Premium 64GB", "premium", 32, 64, 1280, 8000, 8000, 688, 0},
	{"g7-premium-48", "Premium 96GB", "premium", 48, 96, 1920, 9000, 9000, 1032, 0},
	{"g7-premium-50", "Premium 128GB", "premium", 50, 128, 2500, 10000, 10000, 1376, 0},
	{"g7-premium-56", "Premium 256GB", "premium", 56, 256, 5000, 11000, 11000, 2752, 0},
	{"g7-premium-64", "Premium 512GB", "premium", 64, 512, 7200, 12000, 12000, 5504, 0},
	{"g1-gpu-rtx6000-1", "Dedicated 32GB + RTX6000 GPU x1", "gpu", 8, 32, 640, 16000, 10000, 1000, 1},
	{"g1-gpu-rtx6000-2", "Dedicated 64GB + RTX6000 GPU x2", "gpu", 16, 64, 1280, 20000, 10000, 2000, 2},
	{"g1-gpu-rtx6000-3", "Dedicated 96GB + RTX6000 GPU x3", "gpu", 20, 96, 1920, 20000, 10000, 3000, 3},
	{"g1-gpu-rtx6000-4", "Dedicated 128GB + RTX6000 GPU x4", "gpu", 24, 128, 2560, 20000, 10000, 4000, 4},
	{"g2-gpu-rtx4000a1-s", "RTX4000 Ada x1 Small", "gpu", 4, 16, 500, 1000, 10000, 350, 1},
	{"g2-gpu-rtx4000a1-m", "RTX4000 Ada x1 Medium", "gpu", 8, 32, 500, 2000, 10000, 446, 1},
	{"g2-gpu-rtx4000a1-l", "RTX4000 Ada x1 Large", "gpu", 16, 64, 500, 3000, 10000, 638, 1},
	{"g2-gpu-rtx4000a1-xl", "RTX4000 Ada x1 X-Large", "gpu", 32, 128, 500, 4000, 10000, 1022, 1},
	{"g2-gpu-rtx4000a2-s", "RTX4000 Ada x2 Small", "gpu", 8, 32, 1000, 2000, 10000, 700, 2},
	{"g2-gpu-rtx4000a2-m", "RTX4000 Ada x2 Medium", "gpu", 16, 64, 1000, 3000, 10000, 892, 2},
	{"g2-gpu-rtx4000a2-hs", "RTX4000 Ada x2 Medium High Storage", "gpu", 16, 64, 2000, 3000, 10000, 956, 2},
	{"g2-gpu-rtx4000a4-s", "RTX4000 Ada x4 Small", "gpu", 16, 64, 2000, 4000, 10000, 1784, 4},
	{"g2-gpu-rtx4000a4-m", "RTX4000 Ada x4 Medium", "gpu", 32, 128, 2000, 5000, 10000, 2168, 4},
}

// linodeRegionFactors are the regions priced apart, as the files show them.
var linodeRegionFactors = []struct {
	id     string
	factor float64
}{{"id-cgk", 1.2}, {"br-gru", 1.4}}

// linodeTypeObject renders a type, from a template type of the files.
func (t linodeTypeSpec) object(template map[string]any) map[string]any {
	o := cloneJSON(template)
	price := func(monthly float64) map[string]any {
		return map[string]any{"hourly": math.Round(monthly*0.0015*1e4) / 1e4, "monthly": monthly}
	}
	regional := func(monthly float64) []any {
		var out []any
		for _, r := range linodeRegionFactors {
			p := price(math.Round(monthly*r.factor*100) / 100)
			p["id"] = r.id
			out = append(out, p)
		}
		return out
	}
	backups := max(2, math.Round(float64(t.diskGB)/16*2)/2)
	o["id"], o["label"], o["class"], o["vcpus"], o["gpus"] = t.id, t.label, t.class, t.vcpus, t.gpus
	o["memory"], o["disk"], o["transfer"], o["network_out"] = t.memGB*1024, t.diskGB*1024, t.transfer, t.networkOut
	o["price"], o["region_prices"] = price(t.monthly), regional(t.monthly)
	o["addons"] = map[string]any{"backups": map[string]any{"price": price(backups), "region_prices": regional(backups)}}
	return o
}

// linodeImageSpec is a public image: id, label, vendor, size (MB), release
// date and end of life.
type linodeImageSpec struct {
	id, label, vendor string
	sizeMB            int
	created, eol      string
	cloudInit         bool
}

var linodeImageSpecs = []linodeImageSpec{
	{"linode/ubuntu24.10", "Ubuntu 24.10", "Ubuntu", 3000, "2024-10-10", "2025-07-10", true},
	{"linode/ubuntu20.04", "Ubuntu 20.04 LTS", "Ubuntu", 2200, "2020-04-23", "2025-04-02", true},
	{"linode/ubuntu18.04", "Ubuntu 18.04 LTS", "Ubuntu", 2000, "2018-04-26", "2023-05-31", false},
	{"linode/debian13", "Debian 13", "Debian", 1400, "2025-08-11", "2030-06-30", true},
	{"linode/debian10", "Debian 10", "Debian", 1100, "2019-07-08", "2024-06-30", false},
	{"linode/fedora39", "Fedora 39", "Fedora", 1900, "2023-11-07", "2024-11-26", true},
	{"linode/fedora41", "Fedora 41", "Fedora", 2100, "2024-10-29", "2025-11-19", true},
	{"linode/fedora42", "Fedora 42", "Fedora", 2100, "2025-04-15", "2026-05-13", true},
	{"linode/almalinux8", "AlmaLinux 8", "AlmaLinux", 1600, "2021-04-01", "2029-03-01", true},
	{"linode/almalinux10", "AlmaLinux 10", "AlmaLinux", 1800, "2025-05-27", "2035-05-31", true},
	{"linode/rocky8", "Rocky Linux 8", "Rocky", 1900, "2021-06-21", "2029-05-31", true},
	{"linode/rocky10", "Rocky Linux 10", "Rocky", 2100, "2025-06-11", "2035-05-31", true},
	{"linode/centos-stream10", "CentOS Stream 10", "CentOS", 2600, "2024-12-12", "2030-01-01", true},
	{"linode/alpine3.18", "Alpine 3.18", "Alpine", 380, "2023-05-09", "2025-05-09", false},
	{"linode/alpine3.19", "Alpine 3.19", "Alpine", 390, "2023-12-07", "2025-11-01", false},
	{"linode/alpine3.21", "Alpine 3.21", "Alpine", 410, "2024-12-05", "2026-11-01", false},
	{"linode/gentoo", "Gentoo", "Gentoo", 5500, "2019-02-05", "", false},
	{"linode/opensuse15.5", "openSUSE Leap 15.5", "openSUSE", 1800, "2023-06-07", "2024-12-31", false},
	{"linode/opensuse15.6", "openSUSE Leap 15.6", "openSUSE", 1900, "2024-06-12", "2025-12-31", false},
	{"linode/slackware15.0", "Slackware 15.0", "Slackware", 6000, "2022-02-03", "", false},
	{"linode/kali", "Kali Linux", "Kali", 2200, "2019-03-28", "", false},
	{"linode/centos7", "CentOS 7", "CentOS", 1800, "2014-07-07", "2024-06-30", false},
	{"linode/ubuntu16.04lts", "Ubuntu 16.04 LTS", "Ubuntu", 1600, "2016-04-21", "2021-04-30", false},
	{"linode/debian9", "Debian 9", "Debian", 1000, "2017-06-19", "2022-06-30", false},
	{"linode/ubuntu23.10", "Ubuntu 23.10", "Ubuntu", 2800, "2023-10-12", "2024-07-11", true},
}

// object renders the image from a template image of the files.
func (im linodeImageSpec) object(template map[string]any) map[string]any {
	o := cloneJSON(template)
	created := im.created + "T16:00:00"
	o["id"], o["label"], o["vendor"], o["size"], o["total_size"] = im.id, im.label, im.vendor, im.sizeMB, im.sizeMB
	o["created"], o["updated"], o["eol"] = created, created, nil
	if im.eol != "" {
		o["eol"] = im.eol + "T04:00:00"
	}
	caps := []any{"distributed-sites"}
	if im.cloudInit {
		caps = []any{"cloud-init", "distributed-sites"}
	}
	o["capabilities"] = caps
	return o
}

// linodeMarketplaceScripts renders a Marketplace StackScript for each
// program of the Marketplace vocabulary (shared with DigitalOcean's), from
// a template StackScript of the files. Each asks for the fields every
// Marketplace app does, and one of its own.
func linodeMarketplaceScripts(template map[string]any) []map[string]any {
	var out []map[string]any
	for i, sw := range doMarketplace {
		for j, flavour := range []string{"", " Cluster"} {
			if j == 1 && i%2 == 1 {
				continue // clustered editions of every other program
			}
			o := cloneJSON(template)
			label := sw.name + flavour + " One-Click"
			field := strings.ReplaceAll(sw.slug, "-", "_") + "_admin_email"
			o["id"] = 1000000 + 887*i + 53*j
			o["label"] = label
			o["description"] = fmt.Sprintf("%s%s Marketplace App: %s.", sw.name, flavour, sw.what)
			o["images"] = []any{"linode/ubuntu24.04", "linode/ubuntu22.04"}
			o["deployments_total"] = 200 + (7919*i)%9000
			o["deployments_active"] = 20 + (104729*i)%700
			created := time.Date(2021, 3, 1, 15, 0, 0, 0, time.UTC).AddDate(0, 0, 5*i+j)
			o["created"], o["updated"] = linodeTime(created), linodeTime(created.AddDate(1, 2, 0))
			o["rev_note"] = "Support Ubuntu 24.04"
			o["script"] = fmt.Sprintf("#!/bin/bash\nset -euo pipefail\n# <UDF name=\"%s\" label=\"The e-mail of %s's administrator\" example=\"admin@example.com\">\n"+
				"# <UDF name=\"user_name\" label=\"The limited sudo user to create\" default=\"\">\n"+
				"source <ssinclude StackScriptID=\"1\">\nsystem_update\n# Installs %s%s.\n", field, sw.name, sw.name, flavour)
			o["user_defined_fields"] = []any{
				map[string]any{"name": field, "label": "The e-mail of " + sw.name + "'s administrator", "example": "admin@example.com"},
				map[string]any{"name": "user_name", "label": "The limited sudo user to create", "example": "admin", "default": ""},
			}
			out = append(out, o)
		}
	}
	return out
}

// cloneJSON deep-copies a decoded JSON object.
func cloneJSON(o map[string]any) map[string]any {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	mustUnmarshal(b, &out)
	return out
}
