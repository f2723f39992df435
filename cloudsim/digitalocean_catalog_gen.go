package cloudsim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// DigitalOcean's catalog is as big as the real one: about 150 sizes in the
// families DigitalOcean sells, some 25 distribution images, and some 250
// 1-Click application images, so that a client listing them at the largest
// page (200) walks several pages, as it must against DigitalOcean. The
// hand-written entries of catalog/digitalocean (which tests and demo plans
// name) are kept as they are; the rest is generated here from each
// family's shape and price per resource, so no provider data is copied.

// doSizeFamily is a line of sizes: the same hardware at several sizes.
type doSizeFamily struct {
	description string
	slug        func(vcpus, memGB int) string
	// steps are the sizes: vCPUs, memory in GB.
	steps [][2]int
	// disk is the disk in GB per vCPU and per GB of memory (at least 25);
	// transferTB the transfer of the smallest size, a TB more a step.
	disk       [2]int
	transferTB float64
	// price is the monthly price of a vCPU and of a GB of memory.
	price [2]float64
	// regions the family is sold in.
	regions []string
}

var doStandardSteps = [][2]int{{2, 8}, {4, 16}, {8, 32}, {16, 64}, {32, 128}, {40, 160}}
var doMemorySteps = [][2]int{{2, 16}, {4, 32}, {8, 64}, {16, 128}, {24, 192}, {32, 256}}
var doCPUSteps = [][2]int{{2, 4}, {4, 8}, {8, 16}, {16, 32}, {32, 64}, {48, 96}}

func doSizeSlug(prefix, suffix string) func(vcpus, memGB int) string {
	return func(vcpus, memGB int) string { return fmt.Sprintf("%s-%dvcpu-%dgb%s", prefix, vcpus, memGB, suffix) }
}

// doFamilies are DigitalOcean's droplet plans beyond the regular Basic ones.
var doFamilies = []doSizeFamily{
	{"Basic AMD", doSizeSlug("s", "-amd"), doBasicSteps, [2]int{0, 20}, 1, [2]float64{7, 3.5}, doPremiumRegions},
	{"Basic Intel", doSizeSlug("s", "-intel"), doBasicSteps, [2]int{0, 30}, 1, [2]float64{8, 4}, doPremiumRegions},
	{"General Purpose", doSizeSlug("g", ""), doStandardSteps, [2]int{12, 0}, 4, [2]float64{31.5, 0}, doPremiumRegions},
	{"General Purpose NVMe", doSizeSlug("gd", ""), doStandardSteps, [2]int{25, 0}, 4, [2]float64{34, 0}, doPremiumRegions},
	{"General Purpose Intel", doSizeSlug("g", "-intel"), doStandardSteps, [2]int{15, 0}, 4, [2]float64{38, 0}, doPremiumRegions},
	{"General Purpose NVMe Intel", doSizeSlug("gd", "-intel"), doStandardSteps, [2]int{30, 0}, 4, [2]float64{41, 0}, doPremiumRegions},
	{"CPU-Optimized", func(v, _ int) string { return fmt.Sprintf("c-%d", v) }, doCPUSteps, [2]int{12, 0}, 4, [2]float64{21, 0}, doPremiumRegions},
	{"CPU-Optimized 2x SSD", doSizeSlug("c2", ""), doCPUSteps, [2]int{25, 0}, 4, [2]float64{23.25, 0}, doPremiumRegions},
	{"CPU-Optimized Intel", func(v, _ int) string { return fmt.Sprintf("c-%d-intel", v) }, doCPUSteps, [2]int{15, 0}, 4, [2]float64{27, 0}, doPremiumRegions},
	{"CPU-Optimized 2x SSD Intel", doSizeSlug("c2", "-intel"), doCPUSteps, [2]int{30, 0}, 4, [2]float64{29.5, 0}, doPremiumRegions},
	{"Memory-Optimized", doSizeSlug("m", ""), doMemorySteps, [2]int{25, 0}, 4, [2]float64{42, 0}, doPremiumRegions},
	{"Memory-Optimized 3x SSD", doSizeSlug("m3", ""), doMemorySteps, [2]int{75, 0}, 4, [2]float64{52, 0}, doPremiumRegions},
	{"Memory-Optimized 6x SSD", doSizeSlug("m6", ""), doMemorySteps, [2]int{150, 0}, 4, [2]float64{65.5, 0}, doPremiumRegions},
	{"Memory-Optimized Intel", doSizeSlug("m", "-intel"), doMemorySteps, [2]int{30, 0}, 4, [2]float64{50, 0}, doPremiumRegions},
	{"Memory-Optimized 3x SSD Intel", doSizeSlug("m3", "-intel"), doMemorySteps, [2]int{90, 0}, 4, [2]float64{62, 0}, doPremiumRegions},
	{"Memory-Optimized 6x SSD Intel", doSizeSlug("m6", "-intel"), doMemorySteps, [2]int{180, 0}, 4, [2]float64{78, 0}, doPremiumRegions},
	{"Storage-Optimized", doSizeSlug("so", ""), doMemorySteps, [2]int{150, 0}, 4, [2]float64{65.5, 0}, doStorageRegions},
	{"Storage-Optimized 1.5x SSD", doSizeSlug("so1_5", ""), doMemorySteps, [2]int{225, 0}, 4, [2]float64{81.5, 0}, doStorageRegions},
	{"Storage-Optimized Intel", doSizeSlug("so", "-intel"), doMemorySteps, [2]int{180, 0}, 4, [2]float64{78, 0}, doStorageRegions},
	{"Storage-Optimized 1.5x SSD Intel", doSizeSlug("so1_5", "-intel"), doMemorySteps, [2]int{270, 0}, 4, [2]float64{97, 0}, doStorageRegions},
	doGPUFamily("GPU H100", "h100", 80, 170), doGPUFamily("GPU H200", "h200", 141, 180),
	doGPUFamily("GPU MI300X", "mi300", 192, 100), doGPUFamily("GPU L40S", "l40s", 48, 78),
	doGPUFamily("GPU RTX 6000 Ada", "6000ada", 48, 94), doGPUFamily("GPU RTX 4000 Ada", "4000ada", 20, 38),
}

// doGPUFamily is a GPU line: one GPU (of gpuGB memory) or eight, with
// 20 vCPUs and 240 GB of memory each; price is per vCPU.
func doGPUFamily(description, model string, gpuGB int, price float64) doSizeFamily {
	slug := func(vcpus, _ int) string { return fmt.Sprintf("gpu-%sx%d-%dgb", model, vcpus/20, vcpus/20*gpuGB) }
	return doSizeFamily{description, slug, [][2]int{{20, 240}, {160, 1920}}, [2]int{36, 0}, 15, [2]float64{price, 0},
		[]string{"nyc1", "tor1"}}
}

var doBasicSteps = [][2]int{{1, 1}, {1, 2}, {2, 2}, {2, 4}, {2, 8}, {4, 8}, {4, 16}, {8, 16}, {8, 32}}

var (
	doPremiumRegions = []string{"ams3", "blr1", "fra1", "lon1", "nyc1", "nyc3", "sfo3", "sgp1", "syd1", "tor1"}
	doStorageRegions = []string{"ams3", "blr1", "fra1", "lon1", "nyc1", "nyc3", "sfo3", "sgp1", "tor1"}
)

// sizes renders the family's sizes. Prices follow DigitalOcean's way: a
// monthly price in whole dollars, hourly the monthly over 672 hours.
func (f doSizeFamily) sizes() []*doSize {
	var out []*doSize
	for i, st := range f.steps {
		vcpus, mem := st[0], st[1]
		monthly := math.Round(f.price[0]*float64(vcpus) + f.price[1]*float64(mem))
		out = append(out, &doSize{Slug: f.slug(vcpus, mem), Memory: mem * 1024, Vcpus: vcpus,
			Disk: max(25, f.disk[0]*vcpus+f.disk[1]*mem), Transfer: f.transferTB + float64(i), PriceMonthly: monthly,
			PriceHourly: math.Round(monthly/672*1e5) / 1e5, Regions: slices.Clone(f.regions), Available: true,
			Description: f.description})
	}
	return out
}

// doDistributionVersions are the distribution images beyond images.json:
// family, version, slug.
var doDistributionVersions = [][3]string{
	{"Ubuntu", "24.10 x64", "ubuntu-24-10-x64"}, {"Ubuntu", "25.04 x64", "ubuntu-25-04-x64"},
	{"Ubuntu", "18.04 (LTS) x64", "ubuntu-18-04-x64"},
	{"Debian", "13 x64", "debian-13-x64"}, {"Debian", "10 x64", "debian-10-x64"},
	{"Fedora", "39 x64", "fedora-39-x64"}, {"Fedora", "42 x64", "fedora-42-x64"},
	{"CentOS", "10 Stream x64", "centos-stream-10-x64"}, {"CentOS", "8 Stream x64", "centos-stream-8-x64"},
	{"Rocky Linux", "10 x64", "rockylinux-10-x64"},
	{"AlmaLinux", "AlmaLinux 10", "almalinux-10-x64"},
	{"FreeBSD", "14.2 ufs x64", "freebsd-14-x64-ufs"}, {"FreeBSD", "14.2 zfs x64", "freebsd-14-x64-zfs"},
	{"FreeBSD", "13.4 ufs x64", "freebsd-13-x64-ufs"}, {"FreeBSD", "13.4 zfs x64", "freebsd-13-x64-zfs"},
	{"Arch Linux", "Arch Linux x64", "arch-linux-x64"},
	{"openSUSE", "Leap 15.6 x64", "opensuse-leap-15-x64"},
}

// doDistributions renders the generated distribution images.
func doDistributions() []*doImage {
	var out []*doImage
	for i, v := range doDistributionVersions {
		slug := v[2]
		out = append(out, &doImage{ID: 170500000 + 1931*i, Name: v[1], Distribution: v[0], Slug: &slug,
			Description: v[0] + " " + v[1], MinDiskSize: 10, SizeGigabytes: 1 + float64(i%9)/7,
			CreatedAt: doTime(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, 11*i))})
	}
	return out
}

// doSoftware is a program DigitalOcean's Marketplace offers as 1-Click
// applications, one per Ubuntu release it is built on.
type doSoftware struct{ slug, name, category, what string }

var doMarketplace = []doSoftware{
	{"wordpress", "WordPress", "Blogs and Forums", "the most used content management system, with a LAMP stack"},
	{"ghost", "Ghost", "Blogs and Forums", "a publishing platform for blogs and newsletters"},
	{"discourse", "Discourse", "Blogs and Forums", "a discussion platform for communities"},
	{"flarum", "Flarum", "Blogs and Forums", "light forum software"},
	{"drupal", "Drupal", "CMS", "a content management framework for complex sites"},
	{"joomla", "Joomla", "CMS", "a content management system with extensions for every need"},
	{"strapi", "Strapi", "CMS", "a headless CMS with a REST and GraphQL API"},
	{"directus", "Directus", "CMS", "a data platform that puts an API and an app on any SQL database"},
	{"magento", "Magento Open Source", "E-Commerce", "an online store platform"},
	{"woocommerce", "WooCommerce", "E-Commerce", "a store on WordPress"},
	{"prestashop", "PrestaShop", "E-Commerce", "an open source online store"},
	{"docker", "Docker", "Developer Tools", "the container engine and Docker Compose"},
	{"gitlab", "GitLab", "Developer Tools", "Git hosting, code review and CI/CD"},
	{"gitea", "Gitea", "Developer Tools", "a light self-hosted Git service"},
	{"jenkins", "Jenkins", "Developer Tools", "an automation server for builds and deploys"},
	{"sonarqube", "SonarQube", "Developer Tools", "continuous inspection of code quality"},
	{"coolify", "Coolify", "Developer Tools", "a self-hosted platform to deploy apps and databases"},
	{"dokku", "Dokku", "Developer Tools", "a small PaaS that deploys with git push"},
	{"caprover", "CapRover", "Developer Tools", "an app and database deployment platform"},
	{"portainer", "Portainer", "Developer Tools", "a management interface for containers"},
	{"code-server", "code-server", "Developer Tools", "VS Code in the browser"},
	{"jupyter", "JupyterLab", "Machine Learning", "notebooks for data science"},
	{"ollama", "Ollama", "Machine Learning", "run open language models locally"},
	{"openwebui", "Open WebUI", "Machine Learning", "a chat interface for local and hosted models"},
	{"lamp", "LAMP", "Frameworks", "Linux, Apache, MySQL and PHP"},
	{"lemp", "LEMP", "Frameworks", "Linux, Nginx, MySQL and PHP"},
	{"nodejs", "Node.js", "Frameworks", "Node.js LTS with PM2 and Nginx"},
	{"django", "Django", "Frameworks", "the Python web framework, with Gunicorn and Nginx"},
	{"rubyonrails", "Ruby on Rails", "Frameworks", "Rails with Puma and PostgreSQL"},
	{"laravel", "Laravel", "Frameworks", "the PHP framework, with Nginx and MySQL"},
	{"mean", "MEAN", "Frameworks", "MongoDB, Express, Angular and Node.js"},
	{"mern", "MERN", "Frameworks", "MongoDB, Express, React and Node.js"},
	{"mysql", "MySQL", "Databases", "the relational database"},
	{"mariadb", "MariaDB", "Databases", "the community fork of MySQL"},
	{"postgresql", "PostgreSQL", "Databases", "the advanced open source relational database"},
	{"mongodb", "MongoDB", "Databases", "a document database"},
	{"redis", "Redis", "Databases", "an in-memory data store"},
	{"clickhouse", "ClickHouse", "Databases", "a column-oriented database for analytics"},
	{"influxdb", "InfluxDB", "Databases", "a time series database"},
	{"couchdb", "CouchDB", "Databases", "a document database that syncs"},
	{"supabase", "Supabase", "Databases", "Postgres with auth, storage and realtime APIs"},
	{"grafana", "Grafana", "Monitoring", "dashboards for metrics and logs"},
	{"prometheus", "Prometheus", "Monitoring", "metrics collection and alerting"},
	{"uptime-kuma", "Uptime Kuma", "Monitoring", "a self-hosted uptime monitor"},
	{"zabbix", "Zabbix", "Monitoring", "monitoring for networks and servers"},
	{"netdata", "Netdata", "Monitoring", "real-time performance monitoring"},
	{"elk", "ELK Stack", "Monitoring", "Elasticsearch, Logstash and Kibana"},
	{"nextcloud", "Nextcloud", "Storage", "files, calendars and contacts on your own server"},
	{"minio", "MinIO", "Storage", "S3-compatible object storage"},
	{"seafile", "Seafile", "Storage", "file sync and share"},
	{"syncthing", "Syncthing", "Storage", "continuous file synchronisation"},
	{"openvpn", "OpenVPN Access Server", "Networking", "a VPN server with a web admin"},
	{"wireguard", "WireGuard", "Networking", "a fast, modern VPN"},
	{"pihole", "Pi-hole", "Networking", "network-wide ad blocking by DNS"},
	{"traefik", "Traefik", "Networking", "a reverse proxy and load balancer"},
	{"nginx-proxy-manager", "Nginx Proxy Manager", "Networking", "reverse proxies with free certificates"},
	{"headscale", "Headscale", "Networking", "a self-hosted Tailscale control server"},
	{"vaultwarden", "Vaultwarden", "Security", "a password manager server compatible with Bitwarden"},
	{"keycloak", "Keycloak", "Security", "identity and access management"},
	{"wazuh", "Wazuh", "Security", "security monitoring and threat detection"},
	{"mattermost", "Mattermost", "Communication", "team chat you host yourself"},
	{"rocketchat", "Rocket.Chat", "Communication", "a team communication platform"},
	{"jitsi", "Jitsi Meet", "Communication", "video conferencing"},
	{"matrix-synapse", "Matrix Synapse", "Communication", "a Matrix homeserver"},
	{"mastodon", "Mastodon", "Communication", "a federated social network server"},
	{"mailcow", "mailcow", "Communication", "a mail server suite"},
	{"odoo", "Odoo", "Business Apps", "ERP and CRM applications"},
	{"erpnext", "ERPNext", "Business Apps", "an open source ERP"},
	{"suitecrm", "SuiteCRM", "Business Apps", "customer relationship management"},
	{"invoiceninja", "Invoice Ninja", "Business Apps", "invoicing and payments"},
	{"n8n", "n8n", "Business Apps", "workflow automation"},
	{"metabase", "Metabase", "Business Apps", "business intelligence and dashboards"},
	{"plausible", "Plausible Analytics", "Business Apps", "privacy-friendly web analytics"},
	{"matomo", "Matomo", "Business Apps", "web analytics you own"},
	{"moodle", "Moodle", "Education", "a learning management system"},
	{"jellyfin", "Jellyfin", "Media", "a media server for films, series and music"},
	{"peertube", "PeerTube", "Media", "federated video hosting"},
	{"owncast", "Owncast", "Media", "self-hosted live streaming"},
	{"minecraft", "Minecraft Server", "Games", "a Java Edition server"},
	{"valheim", "Valheim Server", "Games", "a dedicated Valheim server"},
	{"openlitespeed-wp", "OpenLiteSpeed WordPress", "Blogs and Forums", "WordPress on OpenLiteSpeed with LSCache"},
	{"openlitespeed-django", "OpenLiteSpeed Django", "Frameworks", "Django on OpenLiteSpeed"},
	{"cyberpanel", "CyberPanel", "Developer Tools", "a web hosting control panel on OpenLiteSpeed"},
	{"plesk", "Plesk", "Developer Tools", "a web hosting control panel"},
}

// doUbuntuReleases are the releases 1-Clicks are built on: slug suffix,
// name.
var doUbuntuReleases = [][2]string{{"20-04", "Ubuntu 20.04"}, {"22-04", "Ubuntu 22.04"}, {"24-04", "Ubuntu 24.04"}}

// doMarketplaceApps renders the generated 1-Click applications.
func doMarketplaceApps() []doApp {
	var out []doApp
	for i, sw := range doMarketplace {
		for j, rel := range doUbuntuReleases {
			out = append(out, doApp{ID: 140000000 + 7919*i + 97*j, Slug: sw.slug + "-" + rel[0],
				Name: sw.name + " on " + rel[1], Category: sw.category,
				Description:  fmt.Sprintf("%s: %s, on %s.", sw.name, strings.TrimSuffix(sw.what, "."), rel[1]),
				Distribution: "Ubuntu", MinDiskSize: 25, SizeGigabytes: 2.5 + float64((7*i+j)%30)/10,
				CreatedAt: doTime(time.Date(2022, 5, 2, 9, 0, 0, 0, time.UTC).AddDate(0, 0, 3*i+200*j))})
		}
	}
	return out
}
