"""Default descriptor values the sandbox seeds into every new scope.

Two sources: the Ed-Fi Data Standard's ``Descriptors/*.xml`` interchange files when a directory is given
(one file per descriptor, elements ``CodeValue``, ``ShortDescription``, ``Description``, ``Namespace``),
otherwise the built-in set in ``runway.sandbox.builtin_descriptors``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from runway.sandbox.builtin_descriptors import BUILTIN_DESCRIPTORS


@dataclass(frozen=True)
class DescriptorValue:
    """One descriptor value; ``endpoint`` is the descriptor resource (``gradeLevelDescriptors``)."""

    endpoint: str
    namespace: str
    code_value: str
    short_description: str
    description: str

    @property
    def uri(self) -> str:
        """The value as payloads carry it: ``namespace#codeValue``."""
        return f"{self.namespace}#{self.code_value}"


def endpoint_for(descriptor_name: str) -> str:
    """``GradeLevelDescriptor`` → ``gradeLevelDescriptors``."""
    return descriptor_name[:1].lower() + descriptor_name[1:] + "s"


def builtin_values() -> list[DescriptorValue]:
    """The built-in default values, in namespace ``uri://ed-fi.org/<Name>``."""
    values = []
    for name, codes in BUILTIN_DESCRIPTORS.items():
        for code in codes:
            values.append(DescriptorValue(endpoint_for(name), f"uri://ed-fi.org/{name}", code, code[:75], code))
    return values


class DescriptorFileError(ValueError):
    """A descriptor XML file that cannot be read."""


def load_xml_dir(directory: Path) -> list[DescriptorValue]:
    """Every value of every ``*Descriptor.xml`` in ``directory``.

    Raises ``DescriptorFileError`` naming the file when one is not well-formed XML, and when the directory
    holds no descriptor files at all.
    """
    values: list[DescriptorValue] = []
    files = sorted(directory.glob("*.xml"))
    if not files:
        raise DescriptorFileError(f"No descriptor XML files found in {directory}.")
    for path in files:
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as exc:
            raise DescriptorFileError(f"{path} is not well-formed XML: {exc}") from exc
        for element in root:
            name = element.tag.rsplit("}", 1)[-1]
            fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in element}
            code = fields.get("CodeValue")
            namespace = fields.get("Namespace")
            if not code or not namespace:
                continue
            values.append(
                DescriptorValue(
                    endpoint_for(name),
                    namespace,
                    code,
                    fields.get("ShortDescription") or code[:75],
                    fields.get("Description") or fields.get("ShortDescription") or code,
                )
            )
    return values
