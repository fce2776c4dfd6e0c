#!/usr/bin/env bash
# make demo: as root, the simulated lab with a good and a flawed reference device, side by side
# (hw/demo/lab-demo.sh); otherwise keur auditing a misconfigured mosquitto (hw/demo/broker-demo.sh).
# KEUR_DEMO=lab or KEUR_DEMO=broker chooses; KEUR_DEMO_OUT sets where the reports go.
here=$(cd "$(dirname "$0")" && pwd)
mode=${KEUR_DEMO:-auto}
if [ "$mode" = auto ]; then
	if [ "$(id -u)" -eq 0 ] && { command -v ip >/dev/null || [ -x /usr/sbin/ip ]; }; then
		mode=lab
	else
		echo "demo: the simulated lab needs root; showing keur on a misconfigured broker instead (sudo make demo for the lab)" >&2
		mode=broker
	fi
fi
case $mode in
lab) exec bash "$here/lab-demo.sh" ;;
broker) exec bash "$here/broker-demo.sh" ;;
*) echo "demo: KEUR_DEMO is lab or broker, not '$mode'" >&2; exit 2 ;;
esac
