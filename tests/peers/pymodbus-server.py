#!/usr/bin/python3
# pymodbus-server.py — pymodbus's own Modbus server (Debian's python3-pymodbus), as a peer that
# nobody here wrote: "tcp PORT" on 127.0.0.1, or "rtu TTY" (19200 8E1, unit 1).  2000 coils,
# discrete inputs, holding and input registers from address 0 (enough for libmodbus's
# bandwidth-client); serves until killed.
import logging
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.server import StartSerialServer, StartTcpServer
from pymodbus.transaction import ModbusRtuFramer

logging.basicConfig(level=logging.CRITICAL)


def block():
    return ModbusSequentialDataBlock(0, [0] * 2000)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("tcp", "rtu"):
        sys.exit("usage: pymodbus-server.py tcp PORT | rtu TTY")
    store = ModbusSlaveContext(di=block(), co=block(), hr=block(), ir=block(), zero_mode=True)
    identity = ModbusDeviceIdentification(info_name={"VendorName": "pymodbus", "ProductCode": "PM",
                                                     "MajorMinorRevision": "3.0.0"})
    if sys.argv[1] == "tcp":
        context = ModbusServerContext(slaves=store, single=True)
        StartTcpServer(context=context, identity=identity, address=("127.0.0.1", int(sys.argv[2])))
    else:
        context = ModbusServerContext(slaves={1: store}, single=False)
        StartSerialServer(context=context, identity=identity, framer=ModbusRtuFramer, port=sys.argv[2],
                          baudrate=19200, parity="E", bytesize=8, stopbits=1, timeout=0.05)


main()
